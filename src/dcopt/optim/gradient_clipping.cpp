#include "dcopt/optim/gradient_clipping.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {

double clip_global_norm(std::span<float> grad, double max_norm) {
  if (!(std::isfinite(max_norm) && max_norm > 0)) {
    throw InvalidArgument(fmt::format("clip_grad_norm = {}; valid: clip_grad_norm > 0", max_norm));
  }
  const double norm = vec::norm2(std::span<const float>(grad));
  if (!std::isfinite(norm)) return norm;
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    const float c = static_cast<float>(coef);
    for (float& g : grad) g = g * c;
  }
  return norm;
}

}  // namespace dcopt

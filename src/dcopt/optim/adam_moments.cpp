#include "dcopt/optim/adam_moments.hpp"

#include <fmt/format.h>

#include "dcopt/core/error.hpp"

namespace dcopt {

void check_adam_options(const std::string& rule, double beta1, double beta2, double eps,
                        double weight_decay) {
  auto fail = [&](const char* key, double value, const char* valid) {
    throw InvalidArgument(fmt::format("{}: {} = {}; valid: {}", rule, key, value, valid));
  };
  if (!(std::isfinite(beta1) && beta1 >= 0 && beta1 < 1)) fail("beta1", beta1, "0 <= beta1 < 1");
  if (!(std::isfinite(beta2) && beta2 >= 0 && beta2 < 1)) fail("beta2", beta2, "0 <= beta2 < 1");
  if (!(std::isfinite(eps) && eps > 0)) fail("eps", eps, "eps > 0");
  if (!(std::isfinite(weight_decay) && weight_decay >= 0)) {
    fail("weight_decay", weight_decay, "weight_decay >= 0");
  }
}

}  // namespace dcopt

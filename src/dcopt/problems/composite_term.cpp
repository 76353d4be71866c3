#include "dcopt/problems/composite_term.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {

CompositeTerm::CompositeTerm(ConstraintSet set, double l2) : set_(std::move(set)), l2_(l2) {
  if (!(l2 >= 0.0) || !std::isfinite(l2)) {
    throw InvalidArgument("CompositeTerm: l2 (rho) must be finite and >= 0, got " +
                          std::to_string(l2));
  }
}

double CompositeTerm::value(std::span<const double> z, double tol) const {
  if (!set_.contains(z, tol)) return std::numeric_limits<double>::infinity();
  return 0.5 * l2_ * vec::norm2_sq(z);
}

void CompositeTerm::prox(double gamma, std::span<const double> v, std::span<double> out) const {
  if (!(gamma > 0.0) || !std::isfinite(gamma)) {
    throw InvalidArgument("CompositeTerm::prox: gamma must be finite and > 0, got " +
                          std::to_string(gamma));
  }
  if (v.size() != out.size()) {
    throw InvalidArgument("CompositeTerm::prox: input size " + std::to_string(v.size()) +
                          " != output size " + std::to_string(out.size()));
  }
  const double shrink = 1.0 / (1.0 + gamma * l2_);
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = shrink * v[i];
  set_.project(out, out);
}

}  // namespace dcopt

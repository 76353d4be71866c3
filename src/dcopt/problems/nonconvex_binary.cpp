#include "dcopt/problems/nonconvex_binary.hpp"

#include <cmath>

namespace dcopt {
namespace {

// s = sigma(-t) = 1/(1+e^t) and 1-s, from exp of a non-positive number only (no overflow).
void sigmoid_pair(double t, double& s, double& one_minus_s) {
  const double e = std::exp(-std::abs(t));
  const double inv = 1.0 / (1.0 + e);
  if (t >= 0.0) {
    s = e * inv;
    one_minus_s = inv;
  } else {
    s = inv;
    one_minus_s = e * inv;
  }
}

}  // namespace

double SigmoidSquaredLoss::value(double t) {
  double s, r;
  sigmoid_pair(t, s, r);
  return s * s;
}

double SigmoidSquaredLoss::derivative(double t) {
  double s, r;
  sigmoid_pair(t, s, r);
  return -2.0 * s * s * r;
}

void SigmoidSquaredLoss::value_and_derivative(double t, double& v, double& d) {
  double s, r;
  sigmoid_pair(t, s, r);
  v = s * s;
  d = -2.0 * v * r;
}

double SigmoidSquaredLoss::second_derivative(double t) {
  double s, r;
  sigmoid_pair(t, s, r);
  return 2.0 * s * s * r * (2.0 - 3.0 * s);
}

NonconvexBinaryObjective::NonconvexBinaryObjective(Dataset shard,
                                                   const NonconvexBinaryOptions& options)
    : GlmObjective<SigmoidSquaredLoss>(
          std::move(shard), options.lambda, options.add_bias, options.bound,
          options.reference_constant ? kMarinaReferenceCurvature : kSigmoidSquaredCurvature) {}

template class GlmObjective<SigmoidSquaredLoss>;

}  // namespace dcopt

#pragma once
// The non-convex binary-classification loss of the MARINA experiments (ALGORITHMS.md §3.5):
//   f_i(x) = (1/m) sum_j sigma(-y_j a_j^T x)^2 + (lambda/2) ||x||^2,
//   sigma(-t)^2 = (1 - 1/(1 + exp(-t)))^2,  y_j in {-1,+1},
// with a bias feature (constant 1 at column 0, d = features + 1) by default.
//
// Curvature constant. With s = sigma(-t), loss'' = 2 s^2 (1-s) (2-3s), whose largest absolute
// value is 0.154058570121... (at s = 0.38564, t = 0.46566). The MARINA reference code uses
// 0.15405, which is 5.7e-6 too small (relative 3.7e-5): not an upper bound. dcopt uses the
// rounded-up true value by default; `reference_constant = true` reproduces the paper's code.
#include "dcopt/problems/glm_objective.hpp"

namespace dcopt {

/// An upper bound on max_t |d^2/dt^2 sigma(-t)^2| (true value 0.15405857012135051...).
inline constexpr double kSigmoidSquaredCurvature = 0.1540585701213506;
/// The constant of the MARINA reference code (slightly below the true maximum).
inline constexpr double kMarinaReferenceCurvature = 0.15405;

/// sigma(-t)^2 and its derivative -2 sigma(-t)^2 (1 - sigma(-t)), stable for any finite t.
struct SigmoidSquaredLoss {
  static double value(double t);
  static double derivative(double t);
  static void value_and_derivative(double t, double& v, double& d);
  /// d^2/dt^2 sigma(-t)^2 = 2 s^2 (1-s) (2-3s); exposed so tests can check the constant.
  static double second_derivative(double t);
};

struct NonconvexBinaryOptions {
  double lambda = 0.0;   ///< L2 weight (>= 0); the MARINA code uses 1e-6 * L
  bool add_bias = true;  ///< insert a constant-1 feature at column 0
  /// L_i = c max_j ||a_j||^2 + lambda by default, as the paper's code does.
  SmoothnessBound bound = SmoothnessBound::max_row_norm;
  /// c = kMarinaReferenceCurvature instead of kSigmoidSquaredCurvature.
  bool reference_constant = false;
};

class NonconvexBinaryObjective final : public GlmObjective<SigmoidSquaredLoss> {
 public:
  NonconvexBinaryObjective(Dataset shard, const NonconvexBinaryOptions& options = {});
};

extern template class GlmObjective<SigmoidSquaredLoss>;

}  // namespace dcopt

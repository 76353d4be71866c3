#pragma once
// L2-regularized logistic regression on one worker's shard:
//   f_i(x) = (1/m) sum_j log(1 + exp(-y_j a_j^T x)) + (lambda/2) ||x||^2,  y_j in {-1,+1}.
// |loss''| <= 1/4, so L_i = lambda_max((1/m) A^T A)/4 + lambda (or max_j ||a_j||^2/4 + lambda),
// L_ij = ||a_j||^2/4 + lambda, and f_i is lambda-strongly convex.
#include "dcopt/problems/glm_objective.hpp"

namespace dcopt {

/// log(1 + exp(-t)) and its derivative, without overflow for any finite t.
struct LogisticLoss {
  static double value(double t);
  static double derivative(double t);
  static void value_and_derivative(double t, double& v, double& d);
};

struct LogisticOptions {
  double lambda = 0.0;    ///< L2 weight (>= 0)
  bool add_bias = false;  ///< insert a constant-1 feature at column 0
  SmoothnessBound bound = SmoothnessBound::spectral;
};

class LogisticObjective final : public GlmObjective<LogisticLoss> {
 public:
  LogisticObjective(Dataset shard, const LogisticOptions& options = {});
  /// mu_i = lambda.
  std::optional<double> strong_convexity() const override { return lambda(); }
};

extern template class GlmObjective<LogisticLoss>;

}  // namespace dcopt

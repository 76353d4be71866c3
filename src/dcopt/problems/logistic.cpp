#include "dcopt/problems/logistic.hpp"

#include <cmath>

namespace dcopt {

// Both branches evaluate exp of a non-positive number, so nothing overflows: for t -> +inf the
// loss tends to 0, for t -> -inf it grows like -t.
double LogisticLoss::value(double t) {
  return t >= 0.0 ? std::log1p(std::exp(-t)) : -t + std::log1p(std::exp(t));
}

double LogisticLoss::derivative(double t) {
  if (t >= 0.0) {
    const double e = std::exp(-t);
    return -e / (1.0 + e);
  }
  return -1.0 / (1.0 + std::exp(t));
}

void LogisticLoss::value_and_derivative(double t, double& v, double& d) {
  const double e = std::exp(-std::abs(t));
  if (t >= 0.0) {
    v = std::log1p(e);
    d = -e / (1.0 + e);
  } else {
    v = -t + std::log1p(e);
    d = -1.0 / (1.0 + e);
  }
}

LogisticObjective::LogisticObjective(Dataset shard, const LogisticOptions& options)
    : GlmObjective<LogisticLoss>(std::move(shard), options.lambda, options.add_bias, options.bound,
                                 0.25) {}

template class GlmObjective<LogisticLoss>;

}  // namespace dcopt

#pragma once
// The constants the theory stepsizes need, gathered once from every worker's objective.
#include <cstddef>
#include <optional>

#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/problems/objective.hpp"

namespace dcopt {

/// One worker's share of the constants.
struct LocalConstants {
  std::size_t dim = 0;
  std::size_t samples = 1;                  ///< m
  std::optional<double> smoothness;         ///< L_i
  std::optional<double> sample_smoothness;  ///< calligraphic L_i
  std::optional<double> strong_convexity;   ///< mu_i
};

LocalConstants local_constants(const Objective& f);

struct ProblemConstants {
  std::size_t dim = 0;
  int workers = 0;
  /// Every worker declared its smoothness constants. Otherwise (a network, a user objective
  /// without them) the L fields below are NaN and theory stepsizes are unavailable.
  bool smoothness_known = true;
  /// Upper bound on the smoothness of f = (1/n) sum f_i: (1/n) sum L_i.
  double L_f = 0.0;
  /// Quadratic mean sqrt((1/n) sum L_i^2): the L of the MARINA paper's theorems.
  double L_tilde = 0.0;
  double L_max = 0.0;
  /// Quadratic mean of the workers' average per-sample smoothness (calligraphic L).
  double L_samples = 0.0;
  /// Smallest and largest local number of samples m.
  std::size_t m_min = 0;
  std::size_t m_max = 0;
  /// Strong convexity of f when every f_i declares one (the smallest).
  std::optional<double> mu;

  /// formula() when the smoothness constants are known, nullopt otherwise: a theory stepsize
  /// that MethodOptions::stepsize turns into a clear error if the user gave none.
  /// What the estimators need of these constants.
  EstimatorSetup estimator_setup() const { return {dim, workers, m_min, m_max, std::nullopt}; }

  template <class F>
  std::optional<double> theory(F formula) const {
    if (!smoothness_known) return std::nullopt;
    return formula();
  }
};

/// Collective: every worker contributes its objective's constants (one allreduce-sized
/// exchange, not counted as method traffic).
ProblemConstants gather_constants(WorkerContext& ctx, const LocalConstants& local);
inline ProblemConstants gather_constants(WorkerContext& ctx, const Objective& local) {
  return gather_constants(ctx, local_constants(local));
}

}  // namespace dcopt

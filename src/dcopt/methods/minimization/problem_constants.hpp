#pragma once
// The constants the theory stepsizes need, gathered once from every worker's objective.
#include <cstddef>
#include <optional>

#include "dcopt/methods/worker_context.hpp"
#include "dcopt/problems/objective.hpp"

namespace dcopt {

struct ProblemConstants {
  std::size_t dim = 0;
  int workers = 0;
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
};

/// Collective: every worker contributes its objective's constants (one allreduce-sized
/// exchange, not counted as method traffic).
ProblemConstants gather_constants(WorkerContext& ctx, const Objective& local);

}  // namespace dcopt

#include "dcopt/methods/minimization/problem_constants.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dcopt {

LocalConstants local_constants(const Objective& f) {
  return {f.dim(), f.num_samples(), f.smoothness(), f.mean_sample_smoothness(),
          f.strong_convexity()};
}

ProblemConstants gather_constants(WorkerContext& ctx, const LocalConstants& local) {
  const int n = ctx.size();
  // One slot per worker and quantity; allreduce_sum of one-hot contributions gathers them.
  // A missing constant travels as -1 (every real one is >= 0).
  constexpr int kFields = 5;
  std::vector<double> table(static_cast<std::size_t>(n * kFields), 0.0);
  double* mine = table.data() + static_cast<std::size_t>(ctx.rank() * kFields);
  const bool smooth = local.smoothness && local.sample_smoothness;
  mine[0] = smooth ? *local.smoothness : -1.0;
  mine[1] = smooth ? *local.sample_smoothness : -1.0;
  mine[2] = static_cast<double>(local.samples);
  mine[3] = local.strong_convexity ? *local.strong_convexity : -1.0;
  mine[4] = static_cast<double>(local.dim);
  ctx.comm.allreduce_sum(table);

  ProblemConstants c;
  c.workers = n;
  c.dim = local.dim;
  double sum_l = 0, sum_l2 = 0, sum_ls2 = 0, min_mu = INFINITY;
  bool all_mu = true;
  c.m_min = static_cast<std::size_t>(-1);
  for (int w = 0; w < n; ++w) {
    const double* row = table.data() + static_cast<std::size_t>(w * kFields);
    if (row[0] < 0) c.smoothness_known = false;
    sum_l += row[0];
    sum_l2 += row[0] * row[0];
    sum_ls2 += row[1] * row[1];
    c.L_max = std::max(c.L_max, row[0]);
    auto m = static_cast<std::size_t>(row[2]);
    c.m_min = std::min(c.m_min, m);
    c.m_max = std::max(c.m_max, m);
    if (row[3] < 0) {
      all_mu = false;
    } else {
      min_mu = std::min(min_mu, row[3]);
    }
  }
  c.L_f = sum_l / n;
  c.L_tilde = std::sqrt(sum_l2 / n);
  c.L_samples = std::sqrt(sum_ls2 / n);
  if (!c.smoothness_known) c.L_f = c.L_tilde = c.L_max = c.L_samples = std::nan("");
  if (all_mu) c.mu = min_mu;
  return c;
}

}  // namespace dcopt

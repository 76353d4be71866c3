#include "dcopt/methods/vi/vi_constants.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dcopt {

ViConstants gather_vi_constants(WorkerContext& ctx, const Operator& local, const CompositeTerm& h,
                                const ViHints& hints) {
  const int n = ctx.size();
  // One row per device, filled one-hot: the allreduce_sum gathers the table on every device.
  constexpr int kFields = 6;
  std::vector<double> table(static_cast<std::size_t>(n * kFields), 0.0);
  double* mine = table.data() + static_cast<std::size_t>(ctx.rank() * kFields);
  mine[0] = local.lipschitz();
  mine[1] = local.mean_term_lipschitz();
  mine[2] = static_cast<double>(local.num_terms());
  mine[3] = hints.L ? *hints.L : -1.0;
  mine[4] = hints.mu_F ? *hints.mu_F : -1.0;
  mine[5] = static_cast<double>(local.dim());
  ctx.comm.allreduce_sum(table);

  ViConstants c;
  c.dim = local.dim();
  c.workers = n;
  c.mu_h = h.strong_convexity();
  double sum_l = 0, sum_l2 = 0, sum_lt2 = 0, hint_l = -1.0;
  double hint_mu = std::numeric_limits<double>::infinity();
  c.r_min = std::numeric_limits<std::size_t>::max();
  c.r_max = 0;
  for (int w = 0; w < n; ++w) {
    const double* row = table.data() + static_cast<std::size_t>(w * kFields);
    c.L_m.push_back(row[0]);
    c.L_m_terms.push_back(row[1]);
    sum_l += row[0];
    sum_l2 += row[0] * row[0];
    sum_lt2 += row[1] * row[1];
    c.L_max = std::max(c.L_max, row[0]);
    const auto r = static_cast<std::size_t>(row[2]);
    c.r_min = std::min(c.r_min, r);
    c.r_max = std::max(c.r_max, r);
    hint_l = std::max(hint_l, row[3]);
    if (row[4] >= 0) hint_mu = std::min(hint_mu, row[4]);
  }
  c.L_hat = std::sqrt(sum_l2 / n);
  c.L_hat_terms = std::sqrt(sum_lt2 / n);
  if (hint_l >= 0) {
    c.L = hint_l;
  } else {
    c.L = sum_l / n;
    c.L_is_bound = true;
  }
  c.mu_F = std::isfinite(hint_mu) ? hint_mu : 0.0;
  return c;
}

}  // namespace dcopt

#pragma once
// One worker's view of the experiment's problem: its oracle (f_i or F_m), the methods built on
// it, and the collective evaluation of the metrics the runner logs. The metric evaluation uses
// its own allreduce, never counted as method traffic (method bits come from StepCost).
#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/problems/bilinear_game.hpp"
#include "dcopt/problems/composite_term.hpp"
#include "dcopt/problems/objective.hpp"
#include "dcopt/problems/operator.hpp"

namespace dcopt {

class ProblemInstance {
 public:
  virtual ~ProblemInstance() = default;

  virtual std::size_t dim() const = 0;
  /// Names of the metric columns, the primary (divergence and target) metric first:
  /// minimization {grad_norm_sq, mean_local_grad_norm_sq, loss}; VI {dist_sq, gap}.
  virtual const std::vector<std::string>& metric_names() const = 0;

  /// Collective, once before any method: gathers the constants the theory needs.
  virtual void prepare(WorkerContext& ctx) = 0;
  /// The constants of the problem as used by the methods (L_f, L_tilde, L_samples, mu, ...).
  /// Valid after prepare().
  virtual std::map<std::string, double> constants() const = 0;

  /// Builds method `name` on this worker. `s` is read (and unknown keys rejected) by the
  /// method's factory; errors name the setting's context.
  virtual std::unique_ptr<Method> make_method(const std::string& name, const Settings& s) const = 0;

  /// Collective: the metrics at `iterate` (replicated on every worker) into `metrics` (size
  /// metric_names().size(); NaN where a metric is undefined). `sums` rides along in the same
  /// allreduce: on return it holds the sum over workers of every worker's `sums`. Allocates
  /// nothing after the first call.
  virtual void evaluate(WorkerContext& ctx, std::span<const double> iterate, std::span<double> sums,
                        std::span<double> metrics) = 0;
};

/// Minimization of f = (1/n) sum_i f_i, this worker holding f_i. Metrics: ||grad f(x)||^2 (one
/// allreduce of the local gradients), (1/n) sum_i ||grad f_i(x)||^2 and f(x). x^0 = 0.
std::unique_ptr<ProblemInstance> make_minimization_instance(std::shared_ptr<const Objective> f);

/// The bilinear game's VI, this worker holding device `rank`'s F_m, h the composite term
/// (constraint set and l2 weight). Metrics: ||z - z*||^2 (z* the game's saddle point, which must
/// lie in Z) and the exact gap over Z when Z is bounded (NaN otherwise: the supremum over an
/// unbounded set is not a useful number).
std::unique_ptr<ProblemInstance> make_bilinear_instance(std::shared_ptr<const BilinearGame> game,
                                                        int rank, CompositeTerm h);

}  // namespace dcopt

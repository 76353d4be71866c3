#pragma once
// The Method contract (DESIGN.md): one instance per worker, written once as the per-worker SPMD
// program. init() sets x^0 and does any initial exchange (its cost is reported separately from
// the rounds, as the papers do); step() runs one communication round. The iterate is replicated:
// every worker holds the same x^k (bit-identical) after every step.
#include <map>
#include <span>
#include <string>

#include "dcopt/core/state_io.hpp"
#include "dcopt/methods/step_cost.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

class Method {
 public:
  virtual ~Method() = default;
  /// Registry name, e.g. "marina".
  virtual std::string name() const = 0;
  virtual StepCost init(WorkerContext& ctx) = 0;
  /// Round k = 1, 2, ...: x^{k-1} -> x^k.
  virtual StepCost step(WorkerContext& ctx, std::uint64_t round) = 0;
  /// The current iterate (x for minimization, z for variational inequalities).
  virtual std::span<const double> iterate() const = 0;
  /// Canonical spec of the workers' codec (identity at the wire precision for uncompressed
  /// methods), for metrics and summaries.
  virtual std::string codec() const = 0;
  /// Parameters actually used (stepsize gamma, probability p, omega, L, ...), for summaries.
  virtual std::map<std::string, double> parameters() const = 0;

  /// State as a value (checkpoints): everything step() depends on besides the oracle, the
  /// settings and the seed. A method restored with load() from another instance's save(), built
  /// from the same settings, continues bit for bit.
  virtual void save(StateWriter& w) const = 0;
  virtual void load(StateReader& r) = 0;
};

}  // namespace dcopt

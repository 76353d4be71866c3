#pragma once
// The estimator of the global gradient (DESIGN.md, "One method, two worlds"): the compressed-
// communication half of a method. It decides what a worker sends, what the server aggregates and
// broadcasts, and keeps the state in between (shifts, error memories, MARINA's g); the update
// rule that moves x with the estimate is the other half (the plain step x -= gamma g of the
// convex runs, or any optimizer of a network). One implementation serves T = double (the convex
// problems) and T = float (networks).
//
// Ownership: x and the gradient buffer are the caller's (the oracle's); an estimator holds only
// its own state and reuses its buffers: no allocation per round once warm.
//
// Round protocol, on every worker (SPMD), with rounds numbered from 1:
//   init(x^0)                                     before round 1 (its cost is reported apart)
//   timing() == after_step:   round k:  x^k = update_rule(x^{k-1}, estimate()); update(x^k, k)
//   timing() == before_step:  round k:  update(x^{k-1}, k); x^k = update_rule(x^{k-1}, estimate())
// MARINA's g^k is a function of grad f_i(x^k) and grad f_i(x^{k-1}), so it is formed after the
// step (and init forms g^0); DIANA's estimate of round k is formed at the current point before
// it moves. estimate() is identical on every worker after init() and after every update().
#include <cstdint>
#include <span>
#include <string>

#include "dcopt/core/state_io.hpp"
#include "dcopt/methods/estimators/gradient_oracle.hpp"
#include "dcopt/methods/step_cost.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

enum class EstimateTiming { after_step, before_step };

template <class T>
class GradientEstimator {
 public:
  virtual ~GradientEstimator() = default;

  virtual EstimateTiming timing() const = 0;
  /// Collective. Any initial exchange (MARINA's dense g^0); may cost nothing.
  virtual StepCost init(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x) = 0;
  /// Collective. Forms the estimate of round `round` at x (see the round protocol).
  virtual StepCost update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                          std::uint64_t round) = 0;
  /// The current estimate (what the server broadcast), valid until the next update().
  virtual std::span<const T> estimate() const = 0;

  /// State as a value: everything update() depends on besides x, the oracle and the seed.
  virtual void save(StateWriter& w) const = 0;
  virtual void load(StateReader& r) = 0;
};

}  // namespace dcopt

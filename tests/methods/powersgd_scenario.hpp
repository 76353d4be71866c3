#pragma once
// A PowerSGD training scenario shared by the thread and the MPI tests: every worker's gradient
// is a fixed function of (its rank, the round, x), over a layout with two compressible
// matrices, a bias and a small matrix sent dense; the iterate moves by x -= 0.1 * estimate.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dcopt/compress/powersgd.hpp"
#include "dcopt/core/param_layout.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/gradient_oracle.hpp"
#include "dcopt/methods/estimators/stateful_averaging_estimator.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt::testing {

inline ParamLayout powersgd_net() {
  return ParamLayout::packed({{"w1", {20, 16}}, {"w2", {12, 3, 5}}, {"b", {16}}, {"s", {3, 4}}});
}

/// grad f_i(x) = x - c_{i,k} for a per-worker, per-round target c (set by `round`): a gradient
/// that depends on the iterate, so that the estimate feeds back into the next round.
template <class T>
class TargetOracle final : public GradientOracle<T> {
 public:
  TargetOracle(std::size_t d, int rank) : rank_(rank), g_(d), c_(d) {}
  void round(std::uint64_t k) {
    Rng rng(99, Purpose::test, static_cast<std::uint64_t>(rank_), k);
    for (T& v : c_) v = static_cast<T>(rng.normal());
  }
  std::size_t dim() const override { return g_.size(); }
  std::size_t num_samples() const override { return 1; }
  std::span<const T> gradient(std::span<const T> x) override {
    for (std::size_t i = 0; i < g_.size(); ++i) g_[i] = x[i] - c_[i];
    return g_;
  }
  std::span<const T> minibatch_gradient(std::span<const T> x,
                                        std::span<const std::uint32_t>) override {
    return gradient(x);
  }

 private:
  int rank_;
  std::vector<T> g_, c_;
};

template <class T>
std::unique_ptr<StatefulAveragingEstimator<T>> powersgd_estimator(const PowerSgdOptions& o,
                                                                  int workers) {
  const ParamLayout layout = powersgd_net();
  StreamPlan streams;
  EstimatorSetup e{layout.size(), workers, 1, 1, layout};
  return std::make_unique<StatefulAveragingEstimator<T>>(
      std::make_unique<PowerSgdCompressor<T>>(layout, o), e, streams);
}

/// Rounds [first, last] of the scenario on this worker: x -= 0.1 * estimate after each update.
template <class T>
void powersgd_rounds(WorkerContext& ctx, StatefulAveragingEstimator<T>& est, std::vector<T>& x,
                     std::uint64_t first, std::uint64_t last) {
  TargetOracle<T> f(x.size(), ctx.rank());
  for (std::uint64_t k = first; k <= last; ++k) {
    f.round(k);
    est.update(ctx, f, x, k);
    const auto g = est.estimate();
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<T>(x[i] - T(0.1) * g[i]);
  }
}

/// The scenario's options: rank 2, one warm-up round, epsilon as ALGORITHMS.md's text.
inline PowerSgdOptions powersgd_scenario_options() {
  PowerSgdOptions o;
  o.matrix_approximation_rank = 2;
  o.start_powerSGD_iter = 1;
  o.orthogonalization_epsilon = 1e-8;
  return o;
}

}  // namespace dcopt::testing

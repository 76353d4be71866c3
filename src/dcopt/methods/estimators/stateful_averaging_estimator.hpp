#pragma once
// StatefulAveragingEstimator<T>: drives any StatefulCompressor (error feedback, PowerSGD)
// through the exchange, so that a network or a convex run trains with it. Per round, on every
// worker:
//
//   g_i = grad f_i(x);  sc.begin(g_i)
//   for each phase p of the step:  encode my message;  agg = mean_w decode(msg_w);
//                                  sc.absorb(p, agg, estimate)
//
// A phase whose codec is the identity (PowerSGD's, both phases) is summed with the
// communicator's allreduce: this worker decodes its own message and Exchange<T>::average
// all-reduces it with weight 1/n (the same arithmetic as the allgather path in fp64; see
// BasicExchangeOptions::allreduce_linear). Any other codec's messages are allgathered and each
// decoded with weight 1/n in rank order; under the server topology (topology.hpp) they are
// gathered and decoded on the server, which sends the exact average (|agg| values of T) to every
// worker (Exchange<T>::average_everywhere; identity phases stay an allreduce). Every worker
// sends in every phase. Phase p draws from
// its own exchange stream, reserved when the estimator is built (one per max_phases()).
//
// Costs: one full gradient; bits up = the exact sizes of this worker's messages, summed over
// the phases; bits down 0: the estimate is formed identically on every worker from the
// aggregates, nothing is broadcast (under the server topology the traffic meter shows the
// average's way down, which the method's model does not count). State: the compressor's state and
// the last estimate.
#include <memory>
#include <vector>

#include "dcopt/compress/stateful_compressor.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"

namespace dcopt {

template <class T>
class StatefulAveragingEstimator final : public GradientEstimator<T> {
 public:
  /// `compressor` (owned; this worker's) must have dim() == e.dim.
  StatefulAveragingEstimator(std::unique_ptr<StatefulCompressor<T>> compressor,
                             const EstimatorSetup& e, StreamPlan& streams);

  EstimateTiming timing() const override { return EstimateTiming::before_step; }
  StepCost init(WorkerContext&, GradientOracle<T>&, std::span<const T>) override { return {}; }
  StepCost update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                  std::uint64_t round) override;
  std::span<const T> estimate() const override { return estimate_; }
  /// Fields: stateful.estimate (dim values of T), then the compressor's fields.
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  const StatefulCompressor<T>& compressor() const { return *sc_; }

 private:
  std::unique_ptr<StatefulCompressor<T>> sc_;
  std::vector<Exchange<T>> exchanges_;  // one per phase
  Message msg_;
  std::vector<Bytes> all_;
  Bytes shared_;  // the server's average (server topology)
  std::vector<T> mine_, aggregate_, estimate_;
};

extern template class StatefulAveragingEstimator<double>;
extern template class StatefulAveragingEstimator<float>;

}  // namespace dcopt

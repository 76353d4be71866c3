#pragma once
// The plainest estimator: every worker sends Q(grad f_i(x)), the server averages the decoded
// messages and broadcasts the mean. With the identity codec this is distributed gradient
// descent's exchange (GD); with an unbiased Q it is DCGD / QSGD-style compressed GD.
#include "dcopt/compress/compressor.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"

namespace dcopt {

struct AveragedGradientSpec {
  CompressorPtr codec;   ///< what the workers send with
  CompressorPtr server;  ///< what the server broadcasts with
};

template <class T>
class AveragedGradientEstimator final : public GradientEstimator<T> {
 public:
  AveragedGradientEstimator(AveragedGradientSpec spec, const EstimatorSetup& e,
                            StreamPlan& streams);

  EstimateTiming timing() const override { return EstimateTiming::before_step; }
  StepCost init(WorkerContext&, GradientOracle<T>&, std::span<const T>) override { return {}; }
  StepCost update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                  std::uint64_t round) override;
  std::span<const T> estimate() const override { return g_; }
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

 private:
  AveragedGradientSpec spec_;
  Exchange<T> exchange_;
  std::vector<T> avg_, g_;
};

extern template class AveragedGradientEstimator<double>;
extern template class AveragedGradientEstimator<float>;

}  // namespace dcopt

#pragma once
// The error-feedback estimator (EC-SGD: Stich et al. 2018, Karimireddy et al. 2019; ALGORITHMS.md
// §2.4): worker i compresses v_i = e_i + s grad f_i(x) with a contractive C, sends C(v_i) and
// keeps e_i = v_i - C(v_i); the server averages and broadcasts. The input scale s is the
// stepsize in the classic form (the estimate is then the step itself, x -= estimate) and 1 when
// an optimizer applies its own learning rate. State: the error memory e_i.
#include "dcopt/compress/compressor.hpp"
#include "dcopt/methods/blocks/error_memory.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"

namespace dcopt {

struct EfSpec {
  CompressorPtr codec;       ///< C, contractive (or an unbiased Q used with `scale`)
  CompressorPtr server;      ///< what the server broadcasts with
  double scale = 1.0;        ///< decoded messages are multiplied by it
  double input_scale = 1.0;  ///< s: v_i = e_i + s grad f_i(x)
};

template <class T>
class EfEstimator final : public GradientEstimator<T> {
 public:
  EfEstimator(EfSpec spec, const EstimatorSetup& e, StreamPlan& streams);

  EstimateTiming timing() const override { return EstimateTiming::before_step; }
  StepCost init(WorkerContext&, GradientOracle<T>&, std::span<const T>) override { return {}; }
  StepCost update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                  std::uint64_t round) override;
  std::span<const T> estimate() const override { return u_; }
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

 private:
  EfSpec spec_;
  Exchange<T> exchange_;
  ErrorMemory<T> memory_;
  std::vector<T> v_, avg_, u_;
};

extern template class EfEstimator<double>;
extern template class EfEstimator<float>;

}  // namespace dcopt

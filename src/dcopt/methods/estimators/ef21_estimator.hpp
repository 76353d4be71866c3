#pragma once
// The EF21 estimator (Richtárik et al. 2021; ALGORITHMS.md §2.5): every worker tracks
// g_i ~ grad f_i with a contractive C: it sends c_i = C(grad f_i(x) - g_i) and sets g_i += c_i;
// the server keeps g = mean g_i (g += mean c_i) and broadcasts it. g_i^0 is the exact gradient at
// x^0 (one dense exchange) or its compression. State: g_i and g (a CompressedShift, alpha = 1).
#include "dcopt/compress/compressor.hpp"
#include "dcopt/methods/blocks/compressed_shift.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"

namespace dcopt {

struct Ef21Spec {
  CompressorPtr codec;   ///< C, contractive (or an unbiased Q used with `scale`)
  CompressorPtr dense;   ///< the exact initial exchange's codec (identity at the run's precision)
  CompressorPtr server;  ///< what the server broadcasts with
  double scale = 1.0;    ///< decoded messages are multiplied by it (1/(omega+1) for unbiased Q)
  bool exact_init = true;
};

template <class T>
class Ef21Estimator final : public GradientEstimator<T> {
 public:
  Ef21Estimator(Ef21Spec spec, const EstimatorSetup& e, StreamPlan& streams);

  EstimateTiming timing() const override { return EstimateTiming::after_step; }
  StepCost init(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x) override;
  StepCost update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                  std::uint64_t round) override;
  std::span<const T> estimate() const override { return g_; }
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

 private:
  StepCost track(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                 std::uint64_t round);

  Ef21Spec spec_;
  Exchange<T> exchange_;
  CompressedShift<T> shift_;
  std::vector<T> avg_, g_;
};

extern template class Ef21Estimator<double>;
extern template class Ef21Estimator<float>;

}  // namespace dcopt

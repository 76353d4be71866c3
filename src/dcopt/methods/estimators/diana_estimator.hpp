#pragma once
// The DIANA estimator (Mishchenko et al. 2019; ALGORITHMS.md §2.2): compressed differences to
// learned shifts. Worker i sends m_i = Q_i(grad f_i(x) - h_i); the server forms
//   textbook:  g = h + m,       then h_i += alpha m_i, h += alpha m
//   reference: h_i += alpha m_i, h += alpha m, then g = h   (the MARINA paper's code)
// and broadcasts g. State: the shifts h_i and h (CompressedShift).
#include "dcopt/compress/compressor.hpp"
#include "dcopt/methods/blocks/compressed_shift.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"

namespace dcopt {

struct DianaSpec {
  CompressorPtr codec;   ///< Q, unbiased
  CompressorPtr server;  ///< what the server broadcasts with
  double alpha = 1.0;    ///< shift step, 0 < alpha <= 1 (theory: 1/(omega+1))
  bool reference = false;
};

template <class T>
class DianaEstimator final : public GradientEstimator<T> {
 public:
  DianaEstimator(DianaSpec spec, const EstimatorSetup& e, StreamPlan& streams);

  EstimateTiming timing() const override { return EstimateTiming::before_step; }
  StepCost init(WorkerContext&, GradientOracle<T>&, std::span<const T>) override { return {}; }
  StepCost update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                  std::uint64_t round) override;
  std::span<const T> estimate() const override { return g_; }
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  double alpha() const { return shift_.alpha(); }

 private:
  DianaSpec spec_;
  Exchange<T> exchange_;
  CompressedShift<T> shift_;
  std::vector<T> est_, g_;
};

extern template class DianaEstimator<double>;
extern template class DianaEstimator<float>;

}  // namespace dcopt

#pragma once
// The VR-DIANA estimator (Horváth et al. 2019; ALGORITHMS.md §2.3): DIANA whose local gradients
// are L-SVRG estimates. Worker i samples b local terms and forms
//   v_i = grad_b f_i(x) - grad_b f_i(w_i) + grad f_i(w_i)     (the same samples at both points)
// and sends Q_i(v_i - h_i); the server forms g = h + m (textbook DIANA), the shifts move by alpha.
// On the shared coin (probability p) every worker refreshes its reference point w_i = x and its
// full gradient there. State: the shifts, w_i and grad f_i(w_i).
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/methods/blocks/compressed_shift.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"

namespace dcopt {

struct VrDianaSpec {
  CompressorPtr codec;   ///< Q, unbiased
  CompressorPtr server;  ///< what the server broadcasts with
  double alpha = 1.0;    ///< shift step
  double p = 1.0;        ///< reference refresh probability
  std::size_t batch = 1;
};

template <class T>
class VrDianaEstimator final : public GradientEstimator<T> {
 public:
  VrDianaEstimator(VrDianaSpec spec, const EstimatorSetup& e, StreamPlan& streams);

  EstimateTiming timing() const override { return EstimateTiming::before_step; }
  /// w_i = x^0 and its full gradient: local work, no communication.
  StepCost init(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x) override;
  StepCost update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                  std::uint64_t round) override;
  std::span<const T> estimate() const override { return g_; }
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  double alpha() const { return shift_.alpha(); }

 private:
  VrDianaSpec spec_;
  Exchange<T> exchange_;
  MinibatchStream batches_;
  CompressedShift<T> shift_;
  std::vector<T> w_, mu_, v_, est_, g_;
  std::vector<std::uint32_t> batch_;
};

extern template class VrDianaEstimator<double>;
extern template class VrDianaEstimator<float>;

}  // namespace dcopt

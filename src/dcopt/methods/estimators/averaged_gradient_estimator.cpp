#include "dcopt/methods/estimators/averaged_gradient_estimator.hpp"

namespace dcopt {

template <class T>
AveragedGradientEstimator<T>::AveragedGradientEstimator(AveragedGradientSpec spec,
                                                        const EstimatorSetup& e,
                                                        StreamPlan& streams)
    : spec_(std::move(spec)),
      exchange_(streams.exchange("averaged gradient")),
      avg_(e.dim),
      g_(e.dim) {}

template <class T>
StepCost AveragedGradientEstimator<T>::update(WorkerContext& ctx, GradientOracle<T>& f,
                                              std::span<const T> x, std::uint64_t round) {
  StepCost cost;
  const std::span<const T> grad = f.gradient(x);
  cost.full_grads = 1;
  cost.bits_up = exchange_.average(ctx, *spec_.codec, grad, avg_, round);
  cost.bits_down = exchange_.broadcast(ctx, *spec_.server, avg_, g_, round);
  return cost;
}

// The estimate is rebuilt from scratch every round: only the last broadcast is state (it is
// what the update rule reads between rounds).
template <class T>
void AveragedGradientEstimator<T>::save(StateWriter& w) const {
  write_values(w, "averaged.g", std::span<const T>(g_));
}

template <class T>
void AveragedGradientEstimator<T>::load(StateReader& r) {
  read_values(r, "averaged.g", std::span<T>(g_));
}

template class AveragedGradientEstimator<double>;
template class AveragedGradientEstimator<float>;

}  // namespace dcopt

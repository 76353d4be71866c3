#include "dcopt/methods/estimators/diana_estimator.hpp"

#include "dcopt/core/vec.hpp"

namespace dcopt {

template <class T>
DianaEstimator<T>::DianaEstimator(DianaSpec spec, const EstimatorSetup& e, StreamPlan& streams)
    : spec_(std::move(spec)),
      exchange_(streams.exchange("diana")),
      shift_(e.dim, spec_.alpha),
      est_(e.dim),
      g_(e.dim) {}

template <class T>
StepCost DianaEstimator<T>::update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                                   std::uint64_t round) {
  StepCost cost;
  const std::span<const T> grad = f.gradient(x);
  cost.full_grads = 1;
  cost.bits_up = shift_.exchange(ctx, exchange_, *spec_.codec, grad, round);
  if (spec_.reference) {
    shift_.advance();
    vec::copy(shift_.mean(), est_);  // g^k = h^{k+1}
  } else {
    vec::copy(shift_.mean(), est_);  // g^k = h^k + m^k
    vec::axpy(T{1}, shift_.message_mean(), est_);
    shift_.advance();
  }
  cost.bits_down = exchange_.broadcast(ctx, *spec_.server, est_, g_, round);
  return cost;
}

template <class T>
void DianaEstimator<T>::save(StateWriter& w) const {
  shift_.save(w, "diana");
  write_values(w, "diana.g", std::span<const T>(g_));
}

template <class T>
void DianaEstimator<T>::load(StateReader& r) {
  shift_.load(r, "diana");
  read_values(r, "diana.g", std::span<T>(g_));
}

template class DianaEstimator<double>;
template class DianaEstimator<float>;

}  // namespace dcopt

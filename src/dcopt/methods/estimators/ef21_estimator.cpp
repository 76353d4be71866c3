#include "dcopt/methods/estimators/ef21_estimator.hpp"

namespace dcopt {

template <class T>
Ef21Estimator<T>::Ef21Estimator(Ef21Spec spec, const EstimatorSetup& e, StreamPlan& streams)
    : spec_(std::move(spec)),
      exchange_(streams.exchange("ef21")),
      shift_(e.dim, 1.0),
      avg_(e.dim),
      g_(e.dim) {}

template <class T>
StepCost Ef21Estimator<T>::track(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                                 std::uint64_t round) {
  StepCost cost;
  const std::span<const T> grad = f.gradient(x);
  cost.full_grads = 1;
  BasicExchangeOptions<T> opt;
  opt.scale = spec_.scale;
  cost.bits_up = shift_.exchange(ctx, exchange_, *spec_.codec, grad, round, opt);
  shift_.advance();
  cost.bits_down = exchange_.broadcast(ctx, *spec_.server, shift_.mean(), g_, round);
  return cost;
}

template <class T>
StepCost Ef21Estimator<T>::init(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x) {
  if (!spec_.exact_init) return track(ctx, f, x, 0);
  StepCost cost;
  const std::span<const T> grad = f.gradient(x);
  cost.full_grads = 1;
  cost.bits_up = exchange_.average(ctx, *spec_.dense, grad, avg_, 0);
  shift_.reset(grad, avg_);
  cost.bits_down = exchange_.broadcast(ctx, *spec_.server, shift_.mean(), g_, 0);
  return cost;
}

template <class T>
StepCost Ef21Estimator<T>::update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                                  std::uint64_t round) {
  return track(ctx, f, x, round);
}

template <class T>
void Ef21Estimator<T>::save(StateWriter& w) const {
  shift_.save(w, "ef21");
  write_values(w, "ef21.g", std::span<const T>(g_));
}

template <class T>
void Ef21Estimator<T>::load(StateReader& r) {
  shift_.load(r, "ef21");
  read_values(r, "ef21.g", std::span<T>(g_));
}

template class Ef21Estimator<double>;
template class Ef21Estimator<float>;

}  // namespace dcopt

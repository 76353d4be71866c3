#include "dcopt/methods/estimators/ef_estimator.hpp"

#include "dcopt/core/vec.hpp"

namespace dcopt {

template <class T>
EfEstimator<T>::EfEstimator(EfSpec spec, const EstimatorSetup& e, StreamPlan& streams)
    : spec_(std::move(spec)),
      exchange_(streams.exchange("ef")),
      memory_(e.dim),
      v_(e.dim),
      avg_(e.dim),
      u_(e.dim) {}

template <class T>
StepCost EfEstimator<T>::update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                                std::uint64_t round) {
  StepCost cost;
  vec::copy(f.gradient(x), v_);
  cost.full_grads = 1;
  vec::scale(T(spec_.input_scale), v_);
  BasicExchangeOptions<T> opt;
  opt.scale = spec_.scale;
  cost.bits_up = memory_.exchange(ctx, exchange_, *spec_.codec, v_, 1.0, avg_, round, opt);
  cost.bits_down = exchange_.broadcast(ctx, *spec_.server, avg_, u_, round);
  return cost;
}

template <class T>
void EfEstimator<T>::save(StateWriter& w) const {
  memory_.save(w, "ef.error");
  write_values(w, "ef.u", std::span<const T>(u_));
}

template <class T>
void EfEstimator<T>::load(StateReader& r) {
  memory_.load(r, "ef.error");
  read_values(r, "ef.u", std::span<T>(u_));
}

template class EfEstimator<double>;
template class EfEstimator<float>;

}  // namespace dcopt

#include "dcopt/methods/estimators/vr_diana_estimator.hpp"

#include "dcopt/core/vec.hpp"

namespace dcopt {

template <class T>
VrDianaEstimator<T>::VrDianaEstimator(VrDianaSpec spec, const EstimatorSetup& e,
                                      StreamPlan& streams)
    : spec_(std::move(spec)),
      exchange_(streams.exchange("vr_diana")),
      batches_(streams.minibatch("vr_diana samples")),
      shift_(e.dim, spec_.alpha),
      w_(e.dim),
      mu_(e.dim),
      v_(e.dim),
      est_(e.dim),
      g_(e.dim) {
  batch_.reserve(spec_.batch);
}

template <class T>
StepCost VrDianaEstimator<T>::init(WorkerContext&, GradientOracle<T>& f, std::span<const T> x) {
  StepCost cost;
  vec::copy(x, w_);
  vec::copy(f.gradient(w_), mu_);
  cost.full_grads = 1;
  cost.sample_grads = f.num_samples();
  return cost;
}

template <class T>
StepCost VrDianaEstimator<T>::update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                                     std::uint64_t round) {
  StepCost cost;
  sample_minibatch(ctx, batches_, f.num_samples(), spec_.batch, false, round, batch_);
  f.minibatch_gradient_difference(x, w_, batch_, v_);
  cost.sample_grads = 2 * spec_.batch;
  vec::axpy(T{1}, mu_, v_);
  cost.bits_up = shift_.exchange(ctx, exchange_, *spec_.codec, v_, round);
  vec::copy(shift_.mean(), est_);
  vec::axpy(T{1}, shift_.message_mean(), est_);
  shift_.advance();
  if (shared_coin(ctx, spec_.p, round)) {
    vec::copy(x, w_);
    vec::copy(f.gradient(w_), mu_);
    cost.full_grads += 1;
    cost.sample_grads += f.num_samples();
  }
  cost.bits_down = exchange_.broadcast(ctx, *spec_.server, est_, g_, round);
  return cost;
}

template <class T>
void VrDianaEstimator<T>::save(StateWriter& w) const {
  shift_.save(w, "vr_diana");
  write_values(w, "vr_diana.w", std::span<const T>(w_));
  write_values(w, "vr_diana.grad_w", std::span<const T>(mu_));
  write_values(w, "vr_diana.g", std::span<const T>(g_));
}

template <class T>
void VrDianaEstimator<T>::load(StateReader& r) {
  shift_.load(r, "vr_diana");
  read_values(r, "vr_diana.w", std::span<T>(w_));
  read_values(r, "vr_diana.grad_w", std::span<T>(mu_));
  read_values(r, "vr_diana.g", std::span<T>(g_));
}

template class VrDianaEstimator<double>;
template class VrDianaEstimator<float>;

}  // namespace dcopt

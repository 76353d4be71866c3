#include "dcopt/methods/estimators/marina_estimator.hpp"

#include <algorithm>
#include <stdexcept>

#include "dcopt/core/vec.hpp"

namespace dcopt {

template <class T>
MarinaEstimator<T>::MarinaEstimator(MarinaSpec spec, const EstimatorSetup& e, StreamPlan& streams)
    : spec_(std::move(spec)),
      exchange_(streams.exchange("marina")),
      diff_batches_(streams.minibatch("marina differences")),
      dense_batches_(streams.minibatch("marina dense")),
      g_server_(e.dim),
      g_(e.dim),
      diff_(e.dim),
      avg_(e.dim) {
  if (!(spec_.p > 0.0 && spec_.p <= 1.0)) {
    throw std::invalid_argument("MarinaEstimator: p must be in (0, 1]");
  }
  if (spec_.differences == MarinaSpec::Differences::full) grad_prev_.resize(e.dim);
  if (keeps_previous_point()) x_prev_.resize(e.dim);
  batch_.reserve(std::max(spec_.batch, spec_.batch_diff));
}

template <class T>
bool MarinaEstimator<T>::keeps_previous_point() const {
  return spec_.differences != MarinaSpec::Differences::full || spec_.clients > 0;
}

template <class T>
void MarinaEstimator<T>::plan(const WorkerContext& ctx, RoundPlan& p, std::uint64_t round) const {
  p.round = round;
  p.dense = shared_coin(ctx, spec_.p, round);
  p.drawn = true;
  if (!p.dense && spec_.clients > 0) {
    p.clients.draw(ctx, spec_.clients, spec_.sampling, round);
    p.drawn = p.clients.weight(ctx.rank()) != 0.0;
  }
}

template <class T>
const typename MarinaEstimator<T>::RoundPlan& MarinaEstimator<T>::plan_of(const WorkerContext& ctx,
                                                                          std::uint64_t round) {
  if (next_.round == round) {
    std::swap(now_, next_);
  } else {
    plan(ctx, now_, round);
  }
  next_.round = 0;  // round 0 (init) is never planned: "no plan"
  return now_;
}

template <class T>
void MarinaEstimator<T>::keep_point_for_next_round(const WorkerContext& ctx, std::span<const T> x,
                                                   std::uint64_t round) {
  if (!keeps_previous_point()) return;
  plan(ctx, next_, round + 1);
  // Round k + 1 reads x_prev_ = x^k only in a compressed round, and with full differences
  // (PP-MARINA) only on a drawn client whose cached gradient is not at x^k: copying it on the
  // other rounds (and clients) would be an O(d) pass that nothing reads.
  const bool reads = !next_.dense && (spec_.differences != MarinaSpec::Differences::full ||
                                      (next_.drawn && !have_prev_));
  if (reads) vec::copy(x, x_prev_);
}

template <class T>
std::span<const T> MarinaEstimator<T>::dense_estimate(WorkerContext& ctx, GradientOracle<T>& f,
                                                      std::span<const T> x, std::uint64_t round,
                                                      StepCost& cost) {
  switch (spec_.differences) {
    case MarinaSpec::Differences::online:
      sample_minibatch(ctx, dense_batches_, f.num_samples(), spec_.batch, true, round, batch_);
      cost.sample_grads += spec_.batch;
      return f.minibatch_gradient(x, batch_);
    case MarinaSpec::Differences::minibatch:
      cost.full_grads += 1;
      cost.sample_grads += f.num_samples();
      return f.gradient(x);
    case MarinaSpec::Differences::full: break;
  }
  cost.full_grads += 1;
  const std::span<const T> grad = f.gradient(x);
  vec::copy(grad, grad_prev_);
  have_prev_ = true;
  return grad;
}

template <class T>
void MarinaEstimator<T>::difference(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                                    std::uint64_t round, StepCost& cost) {
  if (spec_.differences == MarinaSpec::Differences::full) {
    if (!have_prev_) {  // a client that sat out the last round: its cached gradient is stale
      vec::copy(f.gradient(x_prev_), grad_prev_);
      cost.full_grads += 1;
    }
    const std::span<const T> grad = f.gradient(x);
    cost.full_grads += 1;
    vec::sub(grad, grad_prev_, diff_);
    vec::copy(grad, grad_prev_);
    return;
  }
  // The same samples at both points: the difference has variance <= calL^2/b' ||dx||^2.
  const bool online = spec_.differences == MarinaSpec::Differences::online;
  sample_minibatch(ctx, diff_batches_, f.num_samples(), spec_.batch_diff, online, round, batch_);
  f.minibatch_gradient_difference(x, x_prev_, batch_, diff_);
  cost.sample_grads += 2 * spec_.batch_diff;
}

template <class T>
StepCost MarinaEstimator<T>::init(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x) {
  StepCost cost;
  const std::span<const T> dense = dense_estimate(ctx, f, x, 0, cost);
  cost.bits_up = exchange_.average(ctx, *spec_.dense, dense, g_server_, 0);
  cost.bits_down = exchange_.broadcast(ctx, *spec_.server, g_server_, g_, 0);
  keep_point_for_next_round(ctx, x, 0);
  return cost;
}

template <class T>
StepCost MarinaEstimator<T>::update(WorkerContext& ctx, GradientOracle<T>& f, std::span<const T> x,
                                    std::uint64_t round) {
  StepCost cost;
  const RoundPlan& now = plan_of(ctx, round);
  if (now.dense) {
    const std::span<const T> dense = dense_estimate(ctx, f, x, round, cost);
    cost.bits_up = exchange_.average(ctx, *spec_.dense, dense, g_server_, round);
  } else {
    BasicExchangeOptions<T> opt;
    opt.streams = spec_.streams;
    const bool drawn = now.drawn;
    if (spec_.clients > 0) opt.clients = &now.clients;
    if (drawn) difference(ctx, f, x, round, cost);
    cost.bits_up = exchange_.average(ctx, *spec_.codec, diff_, avg_, round, opt);
    vec::axpy(T{1}, avg_, g_server_);
    if (spec_.clients > 0) have_prev_ = drawn;  // an idle client's gradient is now at an old point
  }
  cost.bits_down = exchange_.broadcast(ctx, *spec_.server, g_server_, g_, round);
  keep_point_for_next_round(ctx, x, round);
  return cost;
}

template <class T>
void MarinaEstimator<T>::save(StateWriter& w) const {
  write_values(w, "marina.g_server", std::span<const T>(g_server_));
  write_values(w, "marina.g", std::span<const T>(g_));
  write_values(w, "marina.grad_prev", std::span<const T>(grad_prev_));
  write_values(w, "marina.x_prev", std::span<const T>(x_prev_));
  w.boolean("marina.have_prev", have_prev_);
}

template <class T>
void MarinaEstimator<T>::load(StateReader& r) {
  read_values(r, "marina.g_server", std::span<T>(g_server_));
  read_values(r, "marina.g", std::span<T>(g_));
  read_values(r, "marina.grad_prev", std::span<T>(grad_prev_));
  read_values(r, "marina.x_prev", std::span<T>(x_prev_));
  have_prev_ = r.boolean("marina.have_prev");
  next_.round = 0;  // planned with the state before: plan again
}

template class MarinaEstimator<double>;
template class MarinaEstimator<float>;

}  // namespace dcopt

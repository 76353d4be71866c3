#include "dcopt/methods/estimators/ef_estimator.hpp"

#include "dcopt/core/vec.hpp"

namespace dcopt {

EfEstimator::EfEstimator(EfSpec spec, std::size_t dim, StreamPlan& streams)
    : spec_(std::move(spec)),
      exchange_(streams.exchange("ef")),
      memory_(dim),
      v_(dim),
      decoded_(dim),
      avg_(dim),
      u_(dim) {}

StepCost EfEstimator::update(WorkerContext& ctx, GradientOracle<double>& f,
                             std::span<const double> x, std::uint64_t round) {
  StepCost cost;
  vec::copy(f.gradient(x), v_);
  cost.full_grads = 1;
  vec::scale(spec_.input_scale, v_);
  // The error memory's two moves around this estimator's own exchange.
  ExchangeOptions opt;
  opt.scale = spec_.scale;
  opt.my_decoded = decoded_;
  cost.bits_up = exchange_.average(ctx, *spec_.codec, memory_.load(v_, 1.0), avg_, round, opt);
  memory_.keep_residual(decoded_);
  cost.bits_down = exchange_.broadcast(ctx, *spec_.server, avg_, u_, round);
  return cost;
}

void EfEstimator::save(StateWriter& w) const {
  w.f64s("ef.error", memory_.error());
  w.f64s("ef.u", u_);
}

void EfEstimator::load(StateReader& r) {
  std::vector<double> e(memory_.error().size());
  r.f64s("ef.error", e);
  memory_.restore(e);
  r.f64s("ef.u", u_);
}

}  // namespace dcopt

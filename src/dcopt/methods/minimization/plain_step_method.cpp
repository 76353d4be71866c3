#include "dcopt/methods/minimization/plain_step_method.hpp"

#include "dcopt/core/vec.hpp"

namespace dcopt {

PlainStepMethod::PlainStepMethod(PlainStepDescription description, const Objective& f,
                                 std::vector<double> x0, double step,
                                 std::unique_ptr<GradientEstimator<double>> estimator)
    : MethodShell(description.name),
      oracle_(f),
      x_(std::move(x0)),
      step_(step),
      estimator_(std::move(estimator)) {
  describe(std::move(description.codec), std::move(description.parameters));
}

StepCost PlainStepMethod::init(WorkerContext& ctx) { return estimator_->init(ctx, oracle_, x_); }

void PlainStepMethod::move() { vec::axpy(-step_, estimator_->estimate(), x_); }

StepCost PlainStepMethod::step(WorkerContext& ctx, std::uint64_t round) {
  if (estimator_->timing() == EstimateTiming::after_step) {
    move();
    return estimator_->update(ctx, oracle_, x_, round);
  }
  const StepCost cost = estimator_->update(ctx, oracle_, x_, round);
  move();
  return cost;
}

void PlainStepMethod::save(StateWriter& w) const {
  w.f64s("x", x_);
  estimator_->save(w);
}

void PlainStepMethod::load(StateReader& r) {
  r.f64s("x", x_);
  estimator_->load(r);
}

}  // namespace dcopt

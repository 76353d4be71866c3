#pragma once
// The convex runs' pairing of an estimator with the plain step x -= step * estimate (DESIGN.md,
// "One method, two worlds"): the shell every minimization method shares. It owns the iterate
// (the caller of the estimator, in the convex world), adapts the worker's Objective to a
// GradientOracle, and orders step and estimate by the estimator's timing().
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/estimators/objective_oracle.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/method_shell.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

struct PlainStepDescription {
  std::string name;   ///< registry name, e.g. "marina"
  std::string codec;  ///< canonical spec of the workers' codec
  /// Parameters actually used (gamma, gamma_theory, p, omega, ...), for summaries.
  std::map<std::string, double> parameters;
};

class PlainStepMethod final : public MethodShell {
 public:
  /// x^{k} = x^{k-1} - step * estimate. `step` is gamma, or 1 for an estimator whose estimate is
  /// the step itself (error feedback with its input scaled by gamma).
  PlainStepMethod(PlainStepDescription description, const Objective& f, std::vector<double> x0,
                  double step, std::unique_ptr<GradientEstimator<double>> estimator);

  StepCost init(WorkerContext& ctx) override;
  StepCost step(WorkerContext& ctx, std::uint64_t round) override;
  std::span<const double> iterate() const override { return x_; }

  /// State: the iterate and the estimator's state.
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

 private:
  void move();

  ObjectiveOracle<double> oracle_;
  std::vector<double> x_;
  double step_;
  std::unique_ptr<GradientEstimator<double>> estimator_;
};

/// The convex method of estimator E<double> built from `spec` for this worker's setup, paired
/// with the plain step: the tail every minimization method's factory shares.
template <template <class> class Estimator, class Spec>
std::unique_ptr<Method> make_plain_step_method(PlainStepDescription description,
                                               const MinimizationSetup& setup, double step,
                                               const Spec& spec) {
  StreamPlan streams;
  auto estimator =
      std::make_unique<Estimator<double>>(spec, setup.constants.estimator_setup(), streams);
  return std::make_unique<PlainStepMethod>(std::move(description), setup.objective, setup.x0, step,
                                           std::move(estimator));
}

}  // namespace dcopt

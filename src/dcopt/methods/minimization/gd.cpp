#include "dcopt/methods/minimization/gd.hpp"

#include "dcopt/methods/estimators/averaged_gradient_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/dense_method_options.hpp"

namespace dcopt {
namespace {

MethodOptions gd_options(const Settings& s) {
  return read_dense_method_options(s, "gd", "dcgd or marina");
}

}  // namespace

std::unique_ptr<Method> make_gd(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  const MethodOptions opt = gd_options(s);
  const double gamma = opt.stepsize(c.theory([&] { return 1.0 / c.L_f; }));
  PlainStepDescription d{"gd", opt.codec->spec(), {{"gamma", gamma}}};
  return make_plain_step_method<AveragedGradientEstimator>(
      std::move(d), setup, gamma, AveragedGradientSpec{opt.dense, opt.server});
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_gd_estimator(const Settings& s, const EstimatorSetup& e,
                                                        StreamPlan& streams) {
  const MethodOptions opt = gd_options(s);
  return std::make_unique<AveragedGradientEstimator<T>>(AveragedGradientSpec{opt.dense, opt.server},
                                                        e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_gd_estimator<double>(const Settings&,
                                                                              const EstimatorSetup&,
                                                                              StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_gd_estimator<float>(const Settings&,
                                                                            const EstimatorSetup&,
                                                                            StreamPlan&);

}  // namespace dcopt

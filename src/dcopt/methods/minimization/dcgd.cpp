#include "dcopt/methods/minimization/dcgd.hpp"

#include "dcopt/methods/estimators/averaged_gradient_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

struct DcgdSettings {
  MethodOptions opt;
  double omega = 0;

  DcgdSettings(const Settings& s, const EstimatorSetup& e)
      : opt(read_method_options(s, "randk:k=1", e.layout)) {
    omega = require_unbiased(s, *opt.codec, e.dim, "DCGD",
                             "its average of compressed gradients must be unbiased")
                .omega;
  }
  AveragedGradientSpec spec() const { return {opt.codec, opt.server}; }
};

}  // namespace

std::unique_ptr<Method> make_dcgd(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  const DcgdSettings m(s, c.estimator_setup());
  const auto theory = c.theory([&] { return 1.0 / (c.L_f + c.L_max * m.omega / c.workers); });
  const double gamma = m.opt.stepsize(theory);
  PlainStepDescription d{
      "dcgd",
      m.opt.codec->spec(),
      {{"gamma", gamma}, {"gamma_theory", unknown_if_none(theory)}, {"omega", m.omega}}};
  return make_plain_step_method<AveragedGradientEstimator>(std::move(d), setup, gamma, m.spec());
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_dcgd_estimator(const Settings& s,
                                                          const EstimatorSetup& e,
                                                          StreamPlan& streams) {
  const DcgdSettings m(s, e);
  return std::make_unique<AveragedGradientEstimator<T>>(m.spec(), e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_dcgd_estimator<double>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_dcgd_estimator<float>(const Settings&,
                                                                              const EstimatorSetup&,
                                                                              StreamPlan&);

}  // namespace dcopt

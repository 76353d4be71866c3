#include "dcopt/methods/minimization/dcgd.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/averaged_gradient_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

std::unique_ptr<Method> make_dcgd(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  MethodOptions opt = read_method_options(s, "randk:k=1");
  const double omega = require_unbiased(s, *opt.codec, c.dim, "DCGD",
                                        "its average of compressed gradients must be unbiased")
                           .omega;
  const auto theory = c.theory([&] { return 1.0 / (c.L_f + c.L_max * omega / c.workers); });
  const double gamma = opt.stepsize(theory);
  PlainStepDescription d{
      "dcgd",
      opt.codec->spec(),
      {{"gamma", gamma}, {"gamma_theory", unknown_if_none(theory)}, {"omega", omega}}};
  StreamPlan streams;
  auto est = std::make_unique<AveragedGradientEstimator<double>>(
      AveragedGradientSpec{opt.codec, opt.server}, c.dim, streams);
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, gamma,
                                           std::move(est));
}

}  // namespace dcopt

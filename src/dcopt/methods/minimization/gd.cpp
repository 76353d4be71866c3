#include "dcopt/methods/minimization/gd.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/averaged_gradient_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/dense_method_options.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

std::unique_ptr<Method> make_gd(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  MethodOptions opt = read_dense_method_options(s, "gd", "dcgd or marina");
  const double gamma = opt.stepsize(c.theory([&] { return 1.0 / c.L_f; }));
  PlainStepDescription d{"gd", opt.codec->spec(), {{"gamma", gamma}}};
  StreamPlan streams;
  auto est = std::make_unique<AveragedGradientEstimator<double>>(
      AveragedGradientSpec{opt.dense, opt.server}, c.dim, streams);
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, gamma,
                                           std::move(est));
}

}  // namespace dcopt

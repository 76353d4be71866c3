#include "dcopt/methods/minimization/ef.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/ef_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

std::unique_ptr<Method> make_ef(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  MethodOptions opt = read_method_options(s, "topk:k=1");
  const ContractiveUse use =
      require_contractive(s, *opt.codec, c.dim, "EF", s.boolean("scale_unbiased", false));
  const auto theory = c.theory([&] { return 1.0 / (use.delta * c.L_f); });
  const double gamma = opt.stepsize(theory);
  EfSpec spec;
  spec.codec = opt.codec;
  spec.server = opt.server;
  spec.scale = use.scale;
  spec.input_scale = gamma;  // the estimate is the step itself: x -= estimate
  PlainStepDescription d{"ef",
                         opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"delta", use.delta},
                          {"codec_scale", use.scale}}};
  StreamPlan streams;
  auto est = std::make_unique<EfEstimator>(spec, c.dim, streams);
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, 1.0,
                                           std::move(est));
}

}  // namespace dcopt

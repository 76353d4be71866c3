#include "dcopt/methods/minimization/ef21.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/ef21_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

std::unique_ptr<Method> make_ef21(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  MethodOptions opt = read_method_options(s, "topk:k=1");
  const ContractiveUse use =
      require_contractive(s, *opt.codec, c.dim, "EF21", s.boolean("scale_unbiased", false));
  Ef21Spec spec;
  spec.codec = opt.codec;
  spec.dense = opt.dense;
  spec.server = opt.server;
  spec.scale = use.scale;
  spec.exact_init = s.choice("init", "exact", {"exact", "compressed"}) == "exact";
  const double alpha = 1.0 / use.delta;
  const double root = std::sqrt(1.0 - alpha);
  // sqrt(beta/theta) = sqrt(1-alpha) / (1 - sqrt(1-alpha)); 0 for the identity (alpha = 1).
  const double ratio = root / (1.0 - root);
  const auto theory = c.theory([&] { return 1.0 / (c.L_f + c.L_tilde * ratio); });
  const double gamma = opt.stepsize(theory);
  PlainStepDescription d{"ef21",
                         opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"delta", use.delta},
                          {"codec_scale", use.scale},
                          {"exact_init", spec.exact_init ? 1.0 : 0.0}}};
  StreamPlan streams;
  auto est = std::make_unique<Ef21Estimator<double>>(spec, c.dim, streams);
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, gamma,
                                           std::move(est));
}

}  // namespace dcopt

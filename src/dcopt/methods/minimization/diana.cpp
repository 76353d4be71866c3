#include "dcopt/methods/minimization/diana.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/diana_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

std::unique_ptr<Method> make_diana(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  MethodOptions opt = read_method_options(s, "randk:k=1");
  const double omega = require_unbiased(s, *opt.codec, c.dim, "DIANA",
                                        "its shifted estimator h + mean Q(grad - h) must be "
                                        "unbiased")
                           .omega;
  DianaSpec spec;
  spec.codec = opt.codec;
  spec.server = opt.server;
  spec.reference = s.choice("variant", "textbook", {"textbook", "reference"}) == "reference";
  spec.alpha = read_probability(s, "alpha", 1.0 / (omega + 1.0));
  std::string rule = s.choice("stepsize_rule", "auto", {"auto", "nonconvex", "convex"});
  const bool convex = rule == "convex" || (rule == "auto" && c.mu.has_value());
  const double n = c.workers;
  const double L = c.L_max;
  const auto theory = c.theory([&] {
    return convex ? 1.0 / (L * (1.0 + 4.0 * omega / n))
                  : 1.0 / (10.0 * L * std::sqrt(1.0 + omega / n) * (omega + 2.0));
  });
  const double gamma = opt.stepsize(theory);
  PlainStepDescription d{"diana",
                         opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"alpha", spec.alpha},
                          {"omega", omega},
                          {"L", L},
                          {"convex_rule", convex ? 1.0 : 0.0},
                          {"reference_variant", spec.reference ? 1.0 : 0.0}}};
  StreamPlan streams;
  auto est = std::make_unique<DianaEstimator<double>>(spec, c.dim, streams);
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, gamma,
                                           std::move(est));
}

}  // namespace dcopt

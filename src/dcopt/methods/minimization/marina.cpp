#include "dcopt/methods/minimization/marina.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/marina_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

std::unique_ptr<Method> make_marina(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  MethodOptions opt = read_method_options(s, "randk:k=1");
  CompressorProperties q = opt.codec->properties(c.dim);
  if (!q.unbiased) {
    throw InvalidArgument(s.context() + ": codec '" + opt.codec->spec() +
                          "' is biased; MARINA needs an unbiased codec (Thm 2.1 needs "
                          "E[Q(x)] = x; use EF21 for contractive codecs)");
  }
  MarinaSpec spec;
  spec.codec = opt.codec;
  spec.dense = opt.dense;
  spec.server = opt.server;
  spec.p = read_probability(s, "p", std::min(1.0, q.expected_density / static_cast<double>(c.dim)));
  const bool shared = s.boolean("shared_indices", false);
  spec.streams = shared ? CodecStreams::shared : CodecStreams::independent;
  const double n = static_cast<double>(c.workers);
  const double p = spec.p;
  const auto theory = c.theory(
      [&] { return 1.0 / (c.L_tilde * (1.0 + std::sqrt((1.0 - p) * q.omega / (p * n)))); });
  const double gamma = opt.stepsize(theory);
  PlainStepDescription d{"marina",
                         opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"p", p},
                          {"omega", q.omega},
                          {"L", c.L_tilde},
                          {"shared_indices", shared ? 1.0 : 0.0}}};
  StreamPlan streams;
  auto est = std::make_unique<MarinaEstimator<double>>(spec, c.dim, c.workers, streams);
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, gamma,
                                           std::move(est));
}

}  // namespace dcopt

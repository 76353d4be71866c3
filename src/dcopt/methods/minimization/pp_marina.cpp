#include "dcopt/methods/minimization/pp_marina.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/marina_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

std::unique_ptr<Method> make_pp_marina(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  const auto n = static_cast<std::size_t>(c.workers);
  MethodOptions opt = read_method_options(s, "randk:k=1");
  CompressorProperties q =
      require_unbiased(s, *opt.codec, c.dim, "PP-MARINA", "Thm 4.1 needs E[Q(x)] = x");
  MarinaSpec spec;
  spec.codec = opt.codec;
  spec.dense = opt.dense;
  spec.server = opt.server;
  spec.clients = read_count(s, "clients", (n + 1) / 2, n, "workers n");
  spec.sampling = s.choice("sampling", "with_replacement",
                           {"with_replacement", "without_replacement"}) == "with_replacement"
                      ? ClientSampling::with_replacement
                      : ClientSampling::without_replacement;
  const double r = static_cast<double>(spec.clients);
  spec.p = read_probability(
      s, "p", std::min(1.0, q.expected_density * r / (static_cast<double>(c.dim) * n)));
  const double p = spec.p;
  const auto theory = c.theory(
      [&] { return 1.0 / (c.L_tilde * (1.0 + std::sqrt((1.0 - p) * (1.0 + q.omega) / (p * r)))); });
  const double gamma = opt.stepsize(theory);
  PlainStepDescription d{
      "pp_marina",
      opt.codec->spec(),
      {{"gamma", gamma},
       {"gamma_theory", unknown_if_none(theory)},
       {"p", p},
       {"omega", q.omega},
       {"L", c.L_tilde},
       {"clients", r},
       {"with_replacement", spec.sampling == ClientSampling::with_replacement ? 1.0 : 0.0}}};
  StreamPlan streams;
  auto est = std::make_unique<MarinaEstimator<double>>(spec, c.dim, c.workers, streams);
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, gamma,
                                           std::move(est));
}

}  // namespace dcopt

#include "dcopt/methods/minimization/pp_marina.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/methods/estimators/marina_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

struct PpMarinaSettings {
  MethodOptions opt;
  MarinaSpec spec;
  double omega = 0;

  PpMarinaSettings(const Settings& s, const EstimatorSetup& e)
      : opt(read_method_options(s, "randk:k=1", e.layout)) {
    const auto n = static_cast<std::size_t>(e.workers);
    CompressorProperties q =
        require_unbiased(s, *opt.codec, e.dim, "PP-MARINA", "Thm 4.1 needs E[Q(x)] = x");
    omega = q.omega;
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
        s, "p", std::min(1.0, q.expected_density * r / (static_cast<double>(e.dim) * n)));
  }
};

}  // namespace

std::unique_ptr<Method> make_pp_marina(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  const PpMarinaSettings m(s, c.estimator_setup());
  const double p = m.spec.p, r = static_cast<double>(m.spec.clients);
  const auto theory = c.theory(
      [&] { return 1.0 / (c.L_tilde * (1.0 + std::sqrt((1.0 - p) * (1.0 + m.omega) / (p * r)))); });
  const double gamma = m.opt.stepsize(theory);
  PlainStepDescription d{
      "pp_marina",
      m.opt.codec->spec(),
      {{"gamma", gamma},
       {"gamma_theory", unknown_if_none(theory)},
       {"p", p},
       {"omega", m.omega},
       {"L", c.L_tilde},
       {"clients", r},
       {"with_replacement", m.spec.sampling == ClientSampling::with_replacement ? 1.0 : 0.0}}};
  return make_plain_step_method<MarinaEstimator>(std::move(d), setup, gamma, m.spec);
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_pp_marina_estimator(const Settings& s,
                                                               const EstimatorSetup& e,
                                                               StreamPlan& streams) {
  const PpMarinaSettings m(s, e);
  return std::make_unique<MarinaEstimator<T>>(m.spec, e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_pp_marina_estimator<double>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_pp_marina_estimator<float>(
    const Settings&, const EstimatorSetup&, StreamPlan&);

}  // namespace dcopt

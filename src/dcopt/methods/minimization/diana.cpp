#include "dcopt/methods/minimization/diana.hpp"

#include <cmath>

#include "dcopt/methods/estimators/diana_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

struct DianaSettings {
  MethodOptions opt;
  DianaSpec spec;
  double omega = 0;

  DianaSettings(const Settings& s, const EstimatorSetup& e)
      : opt(read_method_options(s, "randk:k=1", e.layout)) {
    omega = require_unbiased(s, *opt.codec, e.dim, "DIANA",
                             "its shifted estimator h + mean Q(grad - h) must be unbiased")
                .omega;
    spec.codec = opt.codec;
    spec.server = opt.server;
    spec.reference = s.choice("variant", "textbook", {"textbook", "reference"}) == "reference";
    spec.alpha = read_probability(s, "alpha", 1.0 / (omega + 1.0));
  }
};

}  // namespace

std::unique_ptr<Method> make_diana(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  const DianaSettings m(s, c.estimator_setup());
  const std::string rule = s.choice("stepsize_rule", "auto", {"auto", "nonconvex", "convex"});
  const bool convex = rule == "convex" || (rule == "auto" && c.mu.has_value());
  const double n = c.workers, L = c.L_max, omega = m.omega;
  const auto theory = c.theory([&] {
    return convex ? 1.0 / (L * (1.0 + 4.0 * omega / n))
                  : 1.0 / (10.0 * L * std::sqrt(1.0 + omega / n) * (omega + 2.0));
  });
  const double gamma = m.opt.stepsize(theory);
  PlainStepDescription d{"diana",
                         m.opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"alpha", m.spec.alpha},
                          {"omega", omega},
                          {"L", L},
                          {"convex_rule", convex ? 1.0 : 0.0},
                          {"reference_variant", m.spec.reference ? 1.0 : 0.0}}};
  return make_plain_step_method<DianaEstimator>(std::move(d), setup, gamma, m.spec);
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_diana_estimator(const Settings& s,
                                                           const EstimatorSetup& e,
                                                           StreamPlan& streams) {
  const DianaSettings m(s, e);
  return std::make_unique<DianaEstimator<T>>(m.spec, e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_diana_estimator<double>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_diana_estimator<float>(
    const Settings&, const EstimatorSetup&, StreamPlan&);

}  // namespace dcopt

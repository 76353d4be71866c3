#include "dcopt/methods/minimization/marina.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/marina_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

// What MARINA's settings say, for the method and for the estimator alone.
struct MarinaSettings {
  MethodOptions opt;
  MarinaSpec spec;
  double omega = 0;

  MarinaSettings(const Settings& s, const EstimatorSetup& e)
      : opt(read_method_options(s, "randk:k=1", e.layout)) {
    CompressorProperties q = opt.codec->properties(e.dim);
    if (!q.unbiased) {
      throw InvalidArgument(s.context() + ": codec '" + opt.codec->spec() +
                            "' is biased; MARINA needs an unbiased codec (Thm 2.1 needs "
                            "E[Q(x)] = x; use EF21 for contractive codecs)");
    }
    omega = q.omega;
    spec.codec = opt.codec;
    spec.dense = opt.dense;
    spec.server = opt.server;
    spec.p =
        read_probability(s, "p", std::min(1.0, q.expected_density / static_cast<double>(e.dim)));
    spec.streams =
        s.boolean("shared_indices", false) ? CodecStreams::shared : CodecStreams::independent;
  }
};

}  // namespace

std::unique_ptr<Method> make_marina(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  const MarinaSettings m(s, c.estimator_setup());
  const double n = static_cast<double>(c.workers), p = m.spec.p;
  const auto theory = c.theory(
      [&] { return 1.0 / (c.L_tilde * (1.0 + std::sqrt((1.0 - p) * m.omega / (p * n)))); });
  const double gamma = m.opt.stepsize(theory);
  PlainStepDescription d{"marina",
                         m.opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"p", p},
                          {"omega", m.omega},
                          {"L", c.L_tilde},
                          {"shared_indices", m.spec.streams == CodecStreams::shared ? 1.0 : 0.0}}};
  return make_plain_step_method<MarinaEstimator>(std::move(d), setup, gamma, m.spec);
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_marina_estimator(const Settings& s,
                                                            const EstimatorSetup& e,
                                                            StreamPlan& streams) {
  const MarinaSettings m(s, e);
  return std::make_unique<MarinaEstimator<T>>(m.spec, e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_marina_estimator<double>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_marina_estimator<float>(
    const Settings&, const EstimatorSetup&, StreamPlan&);

}  // namespace dcopt

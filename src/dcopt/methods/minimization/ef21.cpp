#include "dcopt/methods/minimization/ef21.hpp"

#include <cmath>

#include "dcopt/methods/estimators/ef21_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

struct Ef21Settings {
  MethodOptions opt;
  ContractiveUse use;
  Ef21Spec spec;

  Ef21Settings(const Settings& s, const EstimatorSetup& e)
      : opt(read_method_options(s, "topk:k=1", e.layout)),
        use(require_contractive(s, *opt.codec, e.dim, "EF21", s.boolean("scale_unbiased", false))) {
    spec.codec = opt.codec;
    spec.dense = opt.dense;
    spec.server = opt.server;
    spec.scale = use.scale;
    spec.exact_init = s.choice("init", "exact", {"exact", "compressed"}) == "exact";
  }
};

}  // namespace

std::unique_ptr<Method> make_ef21(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  const Ef21Settings m(s, c.estimator_setup());
  const double alpha = 1.0 / m.use.delta;
  const double root = std::sqrt(1.0 - alpha);
  // sqrt(beta/theta) = sqrt(1-alpha) / (1 - sqrt(1-alpha)); 0 for the identity (alpha = 1).
  const double ratio = root / (1.0 - root);
  const auto theory = c.theory([&] { return 1.0 / (c.L_f + c.L_tilde * ratio); });
  const double gamma = m.opt.stepsize(theory);
  PlainStepDescription d{"ef21",
                         m.opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"delta", m.use.delta},
                          {"codec_scale", m.use.scale},
                          {"exact_init", m.spec.exact_init ? 1.0 : 0.0}}};
  return make_plain_step_method<Ef21Estimator>(std::move(d), setup, gamma, m.spec);
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_ef21_estimator(const Settings& s,
                                                          const EstimatorSetup& e,
                                                          StreamPlan& streams) {
  const Ef21Settings m(s, e);
  return std::make_unique<Ef21Estimator<T>>(m.spec, e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_ef21_estimator<double>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_ef21_estimator<float>(const Settings&,
                                                                              const EstimatorSetup&,
                                                                              StreamPlan&);

}  // namespace dcopt

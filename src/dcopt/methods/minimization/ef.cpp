#include "dcopt/methods/minimization/ef.hpp"

#include "dcopt/methods/estimators/ef_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

struct EfSettings {
  MethodOptions opt;
  ContractiveUse use;
  EfSpec spec;

  EfSettings(const Settings& s, const EstimatorSetup& e)
      : opt(read_method_options(s, "topk:k=1", e.layout)),
        use(require_contractive(s, *opt.codec, e.dim, "EF", s.boolean("scale_unbiased", false))) {
    spec.codec = opt.codec;
    spec.server = opt.server;
    spec.scale = use.scale;
  }
};

}  // namespace

std::unique_ptr<Method> make_ef(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  EfSettings m(s, c.estimator_setup());
  const auto theory = c.theory([&] { return 1.0 / (m.use.delta * c.L_f); });
  const double gamma = m.opt.stepsize(theory);
  m.spec.input_scale = gamma;  // the estimate is the step itself: x -= estimate
  PlainStepDescription d{"ef",
                         m.opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"delta", m.use.delta},
                          {"codec_scale", m.use.scale}}};
  return make_plain_step_method<EfEstimator>(std::move(d), setup, 1.0, m.spec);
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_ef_estimator(const Settings& s, const EstimatorSetup& e,
                                                        StreamPlan& streams) {
  const EfSettings m(s, e);  // input scale 1: the optimizer applies its own learning rate
  return std::make_unique<EfEstimator<T>>(m.spec, e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_ef_estimator<double>(const Settings&,
                                                                              const EstimatorSetup&,
                                                                              StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_ef_estimator<float>(const Settings&,
                                                                            const EstimatorSetup&,
                                                                            StreamPlan&);

}  // namespace dcopt

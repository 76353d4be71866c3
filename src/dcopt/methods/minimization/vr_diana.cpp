#include "dcopt/methods/minimization/vr_diana.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/methods/estimators/vr_diana_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

struct VrDianaSettings {
  MethodOptions opt;
  VrDianaSpec spec;
  double omega = 0;

  VrDianaSettings(const Settings& s, const EstimatorSetup& e)
      : opt(read_method_options(s, "randk:k=1", e.layout)) {
    omega =
        require_unbiased(s, *opt.codec, e.dim, "VR-DIANA", "its shifted estimator must be unbiased")
            .omega;
    const std::size_t m = e.samples_min;
    spec.codec = opt.codec;
    spec.server = opt.server;
    spec.batch = read_count(s, "batch", (m + 99) / 100, m, "local samples m");
    spec.alpha = read_probability(s, "alpha", 1.0 / (omega + 1.0));
    spec.p = read_probability(s, "p", static_cast<double>(spec.batch) / static_cast<double>(m));
  }
};

}  // namespace

std::unique_ptr<Method> make_vr_diana(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  const VrDianaSettings m(s, c.estimator_setup());
  const double m_eff = static_cast<double>(c.m_min) / static_cast<double>(m.spec.batch);
  const double L = std::max(c.L_max, c.L_samples), omega = m.omega;
  const auto theory = c.theory([&] {
    return 1.0 / (10.0 * L * std::sqrt(1.0 + omega / c.workers) *
                  (std::cbrt(m_eff * m_eff) + omega + 1.0));
  });
  const double gamma = m.opt.stepsize(theory);
  PlainStepDescription d{"vr_diana",
                         m.opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"alpha", m.spec.alpha},
                          {"omega", omega},
                          {"p", m.spec.p},
                          {"batch", static_cast<double>(m.spec.batch)},
                          {"L", L}}};
  return make_plain_step_method<VrDianaEstimator>(std::move(d), setup, gamma, m.spec);
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_vr_diana_estimator(const Settings& s,
                                                              const EstimatorSetup& e,
                                                              StreamPlan& streams) {
  const VrDianaSettings m(s, e);
  return std::make_unique<VrDianaEstimator<T>>(m.spec, e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_vr_diana_estimator<double>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_vr_diana_estimator<float>(
    const Settings&, const EstimatorSetup&, StreamPlan&);

}  // namespace dcopt

#include "dcopt/methods/minimization/vr_diana.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/vr_diana_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

std::unique_ptr<Method> make_vr_diana(const Settings& s, const MinimizationSetup& setup) {
  const ProblemConstants& c = setup.constants;
  MethodOptions opt = read_method_options(s, "randk:k=1");
  const double omega =
      require_unbiased(s, *opt.codec, c.dim, "VR-DIANA", "its shifted estimator must be unbiased")
          .omega;
  const std::size_t m = c.m_min;
  VrDianaSpec spec;
  spec.codec = opt.codec;
  spec.server = opt.server;
  spec.batch = read_count(s, "batch", (m + 99) / 100, m, "local samples m");
  spec.alpha = read_probability(s, "alpha", 1.0 / (omega + 1.0));
  spec.p = read_probability(s, "p", static_cast<double>(spec.batch) / static_cast<double>(m));
  const double m_eff = static_cast<double>(m) / static_cast<double>(spec.batch);
  const double L = std::max(c.L_max, c.L_samples);
  const auto theory = c.theory([&] {
    return 1.0 / (10.0 * L * std::sqrt(1.0 + omega / c.workers) *
                  (std::cbrt(m_eff * m_eff) + omega + 1.0));
  });
  const double gamma = opt.stepsize(theory);
  PlainStepDescription d{"vr_diana",
                         opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"alpha", spec.alpha},
                          {"omega", omega},
                          {"p", spec.p},
                          {"batch", static_cast<double>(spec.batch)},
                          {"L", L}}};
  StreamPlan streams;
  auto est = std::make_unique<VrDianaEstimator<double>>(spec, c.dim, streams);
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, gamma,
                                           std::move(est));
}

}  // namespace dcopt

#include "dcopt/methods/minimization/vr_marina.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/marina_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {

namespace {

// One construction for both cases: they differ only in how the dense rounds estimate grad f_i
// (full pass vs b sampled terms) and in whether indices are drawn with replacement.
std::unique_ptr<Method> make(const Settings& s, const MinimizationSetup& setup, bool online) {
  const ProblemConstants& c = setup.constants;
  MethodOptions opt = read_method_options(s, "randk:k=1");
  CompressorProperties q =
      require_unbiased(s, *opt.codec, c.dim, online ? "VR-MARINA (online)" : "VR-MARINA",
                       "Thm 3.1 needs E[Q(x)] = x");
  MarinaSpec spec;
  spec.codec = opt.codec;
  spec.dense = opt.dense;
  spec.server = opt.server;
  const std::size_t m = c.m_min;
  double n_ref = 0;  // the m (finite sum) or b (online) of Cor. 3.1 / 3.2
  if (online) {
    spec.differences = MarinaSpec::Differences::online;
    // Draws are with replacement, so b > m is meaningful (it only reduces the variance).
    spec.batch = read_count(s, "batch", m, std::size_t{1} << 40, "samples per dense round");
    spec.batch_diff = read_count(s, "batch_diff", (spec.batch + 99) / 100, std::size_t{1} << 40,
                                 "samples per compressed round");
    n_ref = static_cast<double>(spec.batch);
  } else {
    spec.differences = MarinaSpec::Differences::minibatch;
    spec.batch_diff = read_count(s, "batch", (m + 99) / 100, m, "local samples m");
    n_ref = static_cast<double>(c.m_max);
  }
  const double bd = static_cast<double>(spec.batch_diff);
  spec.p = read_probability(
      s, "p", std::min(q.expected_density / static_cast<double>(c.dim), bd / (n_ref + bd)));
  const double p = spec.p, L = c.L_tilde, Ls = c.L_samples, omega = q.omega;
  const auto theory = c.theory([&] {
    return 1.0 / (L + std::sqrt((1.0 - p) / (p * c.workers) *
                                (omega * L * L + (1.0 + omega) * Ls * Ls / bd)));
  });
  const double gamma = opt.stepsize(theory);
  PlainStepDescription d{online ? "vr_marina_online" : "vr_marina",
                         opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"p", p},
                          {"omega", omega},
                          {"L", L},
                          {"L_samples", Ls},
                          {"batch_diff", bd}}};
  if (online) d.parameters["batch"] = static_cast<double>(spec.batch);
  StreamPlan streams;
  auto est = std::make_unique<MarinaEstimator<double>>(spec, c.dim, c.workers, streams);
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, gamma,
                                           std::move(est));
}

}  // namespace

std::unique_ptr<Method> make_vr_marina(const Settings& s, const MinimizationSetup& setup) {
  return make(s, setup, false);
}

std::unique_ptr<Method> make_vr_marina_online(const Settings& s, const MinimizationSetup& setup) {
  return make(s, setup, true);
}

}  // namespace dcopt

#include "dcopt/methods/minimization/vr_marina.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/methods/estimators/marina_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

// One reading for both cases: they differ only in how the dense rounds estimate grad f_i (full
// pass vs b sampled terms) and in whether indices are drawn with replacement.
struct VrMarinaSettings {
  MethodOptions opt;
  MarinaSpec spec;
  double omega = 0;

  VrMarinaSettings(const Settings& s, const EstimatorSetup& e, bool online)
      : opt(read_method_options(s, "randk:k=1", e.layout)) {
    CompressorProperties q =
        require_unbiased(s, *opt.codec, e.dim, online ? "VR-MARINA (online)" : "VR-MARINA",
                         "Thm 3.1 needs E[Q(x)] = x");
    omega = q.omega;
    spec.codec = opt.codec;
    spec.dense = opt.dense;
    spec.server = opt.server;
    const std::size_t m = e.samples_min;
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
      n_ref = static_cast<double>(e.samples_max);
    }
    const double bd = static_cast<double>(spec.batch_diff);
    spec.p = read_probability(
        s, "p", std::min(q.expected_density / static_cast<double>(e.dim), bd / (n_ref + bd)));
  }
};

std::unique_ptr<Method> make(const Settings& s, const MinimizationSetup& setup, bool online) {
  const ProblemConstants& c = setup.constants;
  const VrMarinaSettings m(s, c.estimator_setup(), online);
  const double p = m.spec.p, L = c.L_tilde, Ls = c.L_samples, omega = m.omega;
  const double bd = static_cast<double>(m.spec.batch_diff);
  const auto theory = c.theory([&] {
    return 1.0 / (L + std::sqrt((1.0 - p) / (p * c.workers) *
                                (omega * L * L + (1.0 + omega) * Ls * Ls / bd)));
  });
  const double gamma = m.opt.stepsize(theory);
  PlainStepDescription d{online ? "vr_marina_online" : "vr_marina",
                         m.opt.codec->spec(),
                         {{"gamma", gamma},
                          {"gamma_theory", unknown_if_none(theory)},
                          {"p", p},
                          {"omega", omega},
                          {"L", L},
                          {"L_samples", Ls},
                          {"batch_diff", bd}}};
  if (online) d.parameters["batch"] = static_cast<double>(m.spec.batch);
  return make_plain_step_method<MarinaEstimator>(std::move(d), setup, gamma, m.spec);
}

}  // namespace

std::unique_ptr<Method> make_vr_marina(const Settings& s, const MinimizationSetup& setup) {
  return make(s, setup, false);
}

std::unique_ptr<Method> make_vr_marina_online(const Settings& s, const MinimizationSetup& setup) {
  return make(s, setup, true);
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_vr_marina_estimator(const Settings& s,
                                                               const EstimatorSetup& e,
                                                               StreamPlan& streams) {
  const VrMarinaSettings m(s, e, false);
  return std::make_unique<MarinaEstimator<T>>(m.spec, e, streams);
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_vr_marina_online_estimator(const Settings& s,
                                                                      const EstimatorSetup& e,
                                                                      StreamPlan& streams) {
  const VrMarinaSettings m(s, e, true);
  return std::make_unique<MarinaEstimator<T>>(m.spec, e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_vr_marina_estimator<double>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_vr_marina_estimator<float>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<double>> make_vr_marina_online_estimator<double>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_vr_marina_online_estimator<float>(
    const Settings&, const EstimatorSetup&, StreamPlan&);

}  // namespace dcopt

#include "dcopt/methods/minimization/powersgd.hpp"

#include "dcopt/compress/powersgd.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/methods/estimators/stateful_averaging_estimator.hpp"
#include "dcopt/methods/minimization/plain_step_method.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

struct PowerSgdSettings {
  MethodOptions opt;
  PowerSgdOptions power;

  explicit PowerSgdSettings(const Settings& s) {
    for (const char* key : {"codec", "server_codec"}) {
      if (!s.has(key)) continue;
      s.mark_used(key);
      throw InvalidArgument(
          s.context() + ": " + key +
          ": powersgd sends its rank-r factors as fp32 values and broadcasts "
          "nothing, so it has no " +
          key +
          " setting (valid here: rank, start_iter, min_compression_rate, "
          "min_numel, orthogonalization_epsilon, error_feedback, warm_start, gamma)");
    }
    opt = read_method_options(s, "identity");
    if (s.integer("precision", 32) != 32) {
      throw InvalidArgument(s.context() + ": precision: powersgd sends fp32 values; valid: 32");
    }
    power.matrix_approximation_rank = static_cast<std::size_t>(s.integer("rank", 1, 1, 1 << 20));
    power.start_powerSGD_iter =
        static_cast<std::uint64_t>(s.integer("start_iter", 0, 0, INT64_MAX));
    power.min_compression_rate = s.number("min_compression_rate", 2.0, 0.0, 1e300);
    power.min_numel = static_cast<std::uint64_t>(s.integer("min_numel", 0, 0, INT64_MAX));
    power.orthogonalization_epsilon = s.number("orthogonalization_epsilon", 0.0, 0.0, 1e300);
    power.use_error_feedback = s.boolean("error_feedback", true);
    power.warm_start = s.boolean("warm_start", true);
  }

  template <class T>
  std::unique_ptr<StatefulAveragingEstimator<T>> estimator(const EstimatorSetup& e,
                                                           StreamPlan& streams) const {
    return std::make_unique<StatefulAveragingEstimator<T>>(
        std::make_unique<PowerSgdCompressor<T>>(e.layout_or_flat(), power), e, streams);
  }
};

}  // namespace

std::unique_ptr<Method> make_powersgd(const Settings& s, const MinimizationSetup& setup) {
  const PowerSgdSettings m(s);
  const double gamma = m.opt.stepsize(std::nullopt);  // no theory stepsize: gamma is required
  StreamPlan streams;
  auto estimator = m.estimator<double>(setup.constants.estimator_setup(), streams);
  const PowerSgdOptions& p = m.power;
  PlainStepDescription d{"powersgd",
                         estimator->compressor().spec(),
                         {{"gamma", gamma},
                          {"rank", static_cast<double>(p.matrix_approximation_rank)},
                          {"start_iter", static_cast<double>(p.start_powerSGD_iter)},
                          {"min_compression_rate", p.min_compression_rate},
                          {"orthogonalization_epsilon", p.orthogonalization_epsilon},
                          {"error_feedback", p.use_error_feedback ? 1.0 : 0.0},
                          {"warm_start", p.warm_start ? 1.0 : 0.0}}};
  return std::make_unique<PlainStepMethod>(std::move(d), setup.objective, setup.x0, gamma,
                                           std::move(estimator));
}

template <class T>
std::unique_ptr<GradientEstimator<T>> make_powersgd_estimator(const Settings& s,
                                                              const EstimatorSetup& e,
                                                              StreamPlan& streams) {
  return PowerSgdSettings(s).estimator<T>(e, streams);
}

template std::unique_ptr<GradientEstimator<double>> make_powersgd_estimator<double>(
    const Settings&, const EstimatorSetup&, StreamPlan&);
template std::unique_ptr<GradientEstimator<float>> make_powersgd_estimator<float>(
    const Settings&, const EstimatorSetup&, StreamPlan&);

}  // namespace dcopt

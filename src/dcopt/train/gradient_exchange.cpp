#include "dcopt/train/gradient_exchange.hpp"

#include "dcopt/compress/registry.hpp"
#include "dcopt/methods/estimators/averaged_gradient_estimator.hpp"
#include "dcopt/methods/method_catalog.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt::train {

std::unique_ptr<GradientEstimator<float>> make_gradient_exchange(const std::string& method,
                                                                 const Settings& s,
                                                                 const EstimatorSetup& e,
                                                                 StreamPlan& streams) {
  if (method == "allreduce") {
    AveragedGradientSpec spec;
    spec.codec = read_codec(s, "identity", e.layout);
    spec.server = make_compressor("identity");
    s.reject_unused();
    return std::make_unique<AveragedGradientEstimator<float>>(spec, e, streams);
  }
  return make_estimator<float>(method, s, e, streams);
}

bool needs_shard_gradients(const std::string& method) {
  return method == "vr_marina" || method == "vr_diana";
}

}  // namespace dcopt::train

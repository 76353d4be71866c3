#pragma once
// Distributed gradient descent: the uncompressed parent of every method here.
//   workers send grad f_i(x^k) (dense); server averages and broadcasts; x^{k+1} = x^k - gamma g^k.
// Theory stepsize: 1/L_f. Settings: precision, server_codec, gamma, gamma_multiplier; a `codec`
// key is an InvalidArgument pointing to dcgd / marina (GD sends dense vectors, never compressed).
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_gd(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_gd_estimator(const Settings& s, const EstimatorSetup& e,
                                                        StreamPlan& streams);

}  // namespace dcopt

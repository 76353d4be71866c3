#pragma once
// EF21 (Richtarik, Sokolov, Fatkhullin 2021; ALGORITHMS.md §2.5), building block CompressedShift
// with alpha = 1:
//   x^{t+1} = x^t - gamma g^t
//   worker i: c_i = C(grad f_i(x^{t+1}) - g_i^t) sent; g_i^{t+1} = g_i^t + c_i
//   server:   g^{t+1} = g^t + mean c_i, broadcast
// init = "exact" (default): g_i^0 = grad f_i(x^0), exchanged dense; "compressed":
//   g_i^0 = C(grad f_i(x^0)).
// Theory stepsize (EF21 Thm 1): with alpha = 1/delta, theta = 1 - sqrt(1-alpha),
//   beta = (1-alpha)/(1 - sqrt(1-alpha)):  gamma = 1/(L_f + L_tilde sqrt(beta/theta)),
//   sqrt(beta/theta) = sqrt(1-alpha)/(1 - sqrt(1-alpha)); identity codec: gamma = 1/L_f (GD).
// Settings: codec (default topk:k=1, contractive), scale_unbiased (default false: an unbiased
//   codec such as RandK is rejected because its d/k scaling expands; with true it is used as
//   Q/(omega+1), contractive with delta = omega+1), init, gamma, gamma_multiplier, precision,
//   server_codec.
// Cost per round: 1 full gradient; up = bits(C); down = the server broadcast.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_ef21(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_ef21_estimator(const Settings& s,
                                                          const EstimatorSetup& e,
                                                          StreamPlan& streams);

}  // namespace dcopt

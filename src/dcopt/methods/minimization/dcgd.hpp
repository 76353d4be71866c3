#pragma once
// Distributed compressed gradient descent (DCGD / QSGD-style, ALGORITHMS.md §2.1):
//   worker i sends Q_i(grad f_i(x^k)); server: g^k = (1/n) sum_i Q_i(...), broadcasts it;
//   x^{k+1} = x^k - gamma g^k.
// Converges to the exact solution only if every grad f_i(x*) = 0 (interpolation); otherwise it
// stalls in a neighbourhood of size ~ gamma (omega/n) (1/n) sum ||grad f_i(x*)||^2.
// Theory stepsize: gamma = 1 / (L_f + L_max omega / n). Source: the expected-smoothness bound
// E||g^k||^2 <= ||grad f||^2 + (omega/n^2) sum ||grad f_i||^2 <= 2 (L_f + L_max omega/n)(f - f*)
// under interpolation, i.e. the 1/(L(1 + omega/n)) of ALGORITHMS.md §7.1 (natural-compression
// paper, Alg. 1, eta < 2/(beta L) with beta = 1 + omega/n) with L_f for the gradient part and
// L_max for the compression variance; with the identity codec it is GD's 1/L_f.
// Settings: codec (default randk:k=1, must be unbiased), gamma, gamma_multiplier, precision,
// server_codec.
// Cost per round: 1 full gradient; up = bits(Q); down = the server broadcast.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_dcgd(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_dcgd_estimator(const Settings& s,
                                                          const EstimatorSetup& e,
                                                          StreamPlan& streams);

}  // namespace dcopt

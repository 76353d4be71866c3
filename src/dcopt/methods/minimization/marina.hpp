#pragma once
// MARINA (Gorbunov et al. 2021, Algorithm 1): compressed gradient differences with an
// occasional full synchronization.
//   x^{k+1} = x^k - gamma g^k
//   c_k ~ Be(p) (shared coin): every worker sends grad f_i(x^{k+1})          (dense)
//   else:                     worker sends Q_i(grad f_i(x^{k+1}) - grad f_i(x^k))
//   g^{k+1} = mean of the full gradients, or g^k + mean Q_i(...); server broadcasts g^{k+1}.
// Theory (Thm 2.1 / Cor 2.1, the paper's form with L = sqrt(mean L_i^2)):
//   p = zeta_Q / d,  gamma = 1 / (L (1 + sqrt((1-p) omega / (p n)))).
// Settings: codec (default randk:k=1), p (0 < p <= 1), shared_indices (default false: every
// worker's codec draws from its own stream, as the theory assumes; true: all workers use the
// same stream each round, e.g. the same RandK coordinates, reproducing the reference code,
// ALGORITHMS.md §3.5 (a)), gamma, gamma_multiplier, precision, server_codec.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_marina(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_marina_estimator(const Settings& s,
                                                            const EstimatorSetup& e,
                                                            StreamPlan& streams);

}  // namespace dcopt

#pragma once
// VR-MARINA (Gorbunov et al. 2021).
// Finite-sum case (Algorithm 2), f_i = (1/m) sum_j f_ij:
//   x^{k+1} = x^k - gamma g^k
//   c_k ~ Be(p) (shared coin): worker i sends grad f_i(x^{k+1}) (dense)
//   else: minibatch I'_{i,k} of b' indices (without replacement, the SAME indices at both points)
//         sends Q_i((1/b') sum_{j in I'} (grad f_ij(x^{k+1}) - grad f_ij(x^k)))
//   g^{k+1} = mean of the dense gradients, or g^k + mean of the decoded messages; broadcast.
//   Defaults (Cor. 3.1): b' = ceil(m/100), p = min(zeta_Q/d, b'/(m + b')).
// Online case (Algorithm 3), f_i = E_xi f_xi: the stream of xi is simulated by sampling the
//   local data uniformly WITH replacement. g^0 and the c_k = 1 rounds use the average of b
//   sampled gradients (dense); the c_k = 0 rounds compress the b'-sample difference (same xi at
//   both points). Defaults: b = m, b' = ceil(b/100), p = min(zeta_Q/d, b'/(b + b')) (Cor. 3.2).
// Theory stepsize (Thm 3.1 / 3.2), L = sqrt(mean L_i^2) (L_tilde), calligraphic L = L_samples:
//   gamma = 1 / (L + sqrt((1-p)/(p n) (omega L^2 + (1+omega) calL^2 / b'))).
// Settings: codec (default randk:k=1, unbiased), batch (finite: b', 1 <= b' <= m; online: b),
//   batch_diff (online only: b'), p (0 < p <= 1), gamma, gamma_multiplier, precision,
//   server_codec. m = the smallest local m.
// Cost: init 1 full gradient (m sample gradients; online: b); per round m sample gradients
//   (online: b) on c_k = 1 rounds, 2b' on the others; up = the dense gradient on c_k = 1
//   rounds, bits(Q) on the others; down = the server broadcast.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_vr_marina(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_vr_marina_estimator(const Settings& s,
                                                               const EstimatorSetup& e,
                                                               StreamPlan& streams);
std::unique_ptr<Method> make_vr_marina_online(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_vr_marina_online_estimator(const Settings& s,
                                                                      const EstimatorSetup& e,
                                                                      StreamPlan& streams);

}  // namespace dcopt

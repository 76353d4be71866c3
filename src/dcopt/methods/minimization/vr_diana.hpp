#pragma once
// VR-DIANA, L-SVRG flavour (Horvath et al. 2019; ALGORITHMS.md §2.3) for f_i = (1/m) sum_j f_ij.
//   worker i: minibatch I (b indices, without replacement);
//             v_i = (1/b) sum_{j in I} (grad f_ij(x^k) - grad f_ij(w_i)) + mu_i
//             m_i = Q_i(v_i - h_i) sent; h_i += alpha m_i              (CompressedShift)
//             if u_k (shared coin, Be(p), 0 bits): w_i = x^k, mu_i = grad f_i(x^k)
//   server:   g^k = h + mean m_i; h += alpha mean m_i; broadcast;  x^{k+1} = x^k - gamma g^k
// The refresh coin is shared by all workers, as in the MARINA reference code (the paper uses
// independent coins).
// Settings: codec (default randk:k=1, unbiased), batch (b, default ceil(m/100), 1 <= b <= m),
//   p (default b/m), alpha (default 1/(omega+1)), gamma, gamma_multiplier, precision,
//   server_codec.
// Theory stepsize (as coded for the MARINA experiments): with m_eff = m/b,
//   gamma = 1 / (10 L sqrt(1 + omega/n) (m_eff^{2/3} + omega + 1)),
// L = max(L_max, calligraphic L) since the theory wants every f_ij L-smooth and the objectives
// report only the mean-square per-sample constant. m = the smallest local m.
// Cost per round: 2b sample gradients, plus a full pass (1 full gradient = m sample gradients)
// on refresh rounds; up = bits(Q); down = the server broadcast.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_vr_diana(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_vr_diana_estimator(const Settings& s,
                                                              const EstimatorSetup& e,
                                                              StreamPlan& streams);

}  // namespace dcopt

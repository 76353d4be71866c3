#pragma once
// PP-MARINA (Gorbunov et al. 2021, Algorithm 4): MARINA with partial participation.
//   x^{k+1} = x^k - gamma g^k (every worker keeps its replica current)
//   c_k = 1 (shared coin): all n workers send grad f_i(x^{k+1}) (dense); g^{k+1} = their mean
//   c_k = 0: the server draws r clients, r i.i.d. uniform draws over {1..n} (the paper's rule;
//            sample_client_weights, shared stream, 0 bits); a drawn worker sends ONE message
//            Q_i(grad f_i(x^{k+1}) - grad f_i(x^k)) and it counts as many times as it was drawn:
//            g^{k+1} = g^k + (1/r) sum over draws of Q_{i_draw}(...). Non-drawn workers send
//            nothing (0 bits up) and compute no gradient.
// A worker that was idle last round no longer holds grad f_i(x^k): when drawn it computes both
// gradients (2 oracle calls), otherwise it reuses its cached one (1 call).
// Defaults: clients r = ceil(n/2) (half the workers: r = n would make partial participation
//   moot, and the with-replacement rule does not reduce to MARINA at r = n anyway);
//   sampling = "with_replacement" ("without_replacement": r distinct workers, which with r = n
//   IS MARINA); p = zeta_Q r / (d n) (Cor. 4.1).
// Theory stepsize (Thm 4.1), L = sqrt(mean L_i^2): gamma = 1/(L (1 + sqrt((1-p)(1+omega)/(p r)))).
// Settings: codec (default randk:k=1, unbiased), clients (1 <= r <= n), sampling, p, gamma,
//   gamma_multiplier, precision, server_codec.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_pp_marina(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_pp_marina_estimator(const Settings& s,
                                                               const EstimatorSetup& e,
                                                               StreamPlan& streams);

}  // namespace dcopt

#pragma once
// Variance-reduced extragradient of Alacaoglu & Malitsky (2021), loopless form (ALGORITHMS.md
// §4.4), distributed: the stochastic oracle is a minibatch of this device's finite-sum terms.
//   z-bar   = alpha z + (1 - alpha) w
//   z_half  = prox_{s h}(z-bar - s F(w))
//   device m draws S_m (b of its r terms) and sends, dense,
//             Delta_m = (1/b) sum_{i in S_m} F_{m,i}(z_half) - F_{m,i}(w)
//   z       = prox_{s h}(z-bar - s [F(w) + (1/M) sum_m Delta_m])
//   with probability p (shared coin): w = z and F(w) is recomputed (full F_m, exchanged dense).
// This is MASHA1 with the identity codec (MASHA1's tau = alpha, 1 - tau = p): the two files
// share their building blocks, not their parameters.
// Theory (A-M, ALGORITHMS.md §4.4 [R]): alpha = 1 - p, s = gamma0 sqrt(1 - alpha) / L_ms with
// gamma0 in (0, 1); L_ms = calL-hat = sqrt((1/M) sum_m calL_m^2), a mean-square Lipschitz
// constant of the averaged estimator (Jensen: ||(1/M) sum X_m||^2 <= (1/M) sum ||X_m||^2).
// Settings: batch (default 1, 1 <= b <= r), p (default min(1, b/r), the A-M choice 1/N for a
// finite sum of N terms), alpha (default 1 - p, in [0, 1)), gamma0 (default 0.5, in (0, 1)),
// precision, server_codec (broadcast of the averaged difference), gamma, gamma_multiplier.
// Costs per round: sample_grads = 2b; with prob. p one full oracle call and a dense exchange.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_eg_vr(const Settings& s, const ViSetup& setup);

}  // namespace dcopt

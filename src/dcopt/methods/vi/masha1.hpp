#pragma once
// MASHA1 (Beznosikov, Richtarik, Diskin, Ryabinin, Gasnikov; paper Algorithm 1, in the main text
// of papers/000_*.txt; ALGORITHMS.md §5.1-5.2): extragradient with variance reduction, devices
// compress operator DIFFERENCES with an unbiased codec. The box below is Algorithm 1.
//
//   init:  z^0 = w^0; devices send F_m(w^0) uncompressed, get F(w^0)          (init cost)
//   round k (all devices compute the same z-bar, z^{k+1/2}):
//     z-bar^k    = tau z^k + (1 - tau) w^k
//     z^{k+1/2}  = prox_{gamma h}(z-bar^k - gamma F(w^k))
//     Delta_m    = F_m(z^{k+1/2}) - F_m(w^k)                 (deterministic, batch = 0)
//                  or (1/b) sum_{i in S} F_{m,i}(z^{k+1/2}) - F_{m,i}(w^k)   (batch = b)
//     device sends Q_m^dev(Delta_m); server broadcasts D^k = Q^serv[(1/M) sum_m Q_m^dev(Delta_m)]
//     z^{k+1}    = prox_{gamma h}(z-bar^k - gamma (F(w^k) + D^k))
//     b_k ~ Be(1 - tau) (shared seed, 0 bits): if 1, w^{k+1} = z^{k+1} and the devices exchange
//     F_m(w^{k+1}) uncompressed -> F(w^{k+1}); else w^{k+1} = w^k.
// With Q = identity and tau = 0 this is Korpelevich's extragradient; with Q = identity it is the
// distributed Alacaoglu-Malitsky method.
//
// Theory (paper Theorem 1, Corollaries 1-2), the default ("stepsize = paper"):
//   q = omega + 1 (paper eq. (1)); beta = E bits(Q(z)) / (b d) (paper §1.3; codec_theory.hpp)
//   tau = 1 - beta (deterministic), tau = 1 - min(b/r, beta) (finite sum; the paper's b = 1)
//   C_q = sqrt((q_serv / M^2) sum_m (q_m^dev + M - 1) L_m^2), with L_m the "Lipschitz in mean"
//         constant of Assumption 1 (= L_m when deterministic, calL_m over the r terms otherwise)
//   gamma = min{ sqrt(1 - tau) / (4 C_q), (1 - tau) / (4 (mu_F + mu_h)) }  (second term only if
//           mu_F + mu_h > 0; otherwise the monotone case's sqrt(1 - tau) / (4 C_q)).
// "stepsize = derived" (ALGORITHMS.md §5.1-5.2, tighter, not the paper's): gamma =
//   0.5 sqrt(1 - tau) / C with C^2 = q_serv (L^2 + (q_dev - 1) L-hat^2 / M) (deterministic) or
//   q_serv (L^2 + ((q_dev - 1) L-hat^2 + q_dev calL-hat^2 / b) / M) (finite sum).
//
// Settings: codec (device codec; default natural_dithering, the codec the paper's bilinear
// experiment used for MASHA1 — its §5.1), server_codec (Q^serv; default identity at
// `precision`), precision, tau, batch (0 = deterministic), stepsize (paper|derived), gamma,
// gamma_multiplier. Codecs must be unbiased (InvalidArgument otherwise).
//
// Costs per round, per device: full_grads = 1 + [b_k] (deterministic) or sample_grads = 2b and
// full_grads = [b_k] (finite sum); bits_up = bits(Q_dev) + [b_k] dense; bits_down =
// bits(Q_serv) + [b_k] dense. The coin is shared randomness (ALGORITHMS.md §0.2 (b)): 0 bits.
// Output: the last iterate z^K (the paper's monotone-case output, the average of z^{k+1/2}, is
// not kept here).
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_masha1(const Settings& s, const ViSetup& setup);

}  // namespace dcopt

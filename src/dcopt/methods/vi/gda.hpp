#pragma once
// Distributed gradient descent-ascent (ALGORITHMS.md §4.2), the negative control:
//   devices send F_m(z^k) (dense); the server averages and broadcasts F(z^k);
//   z^{k+1} = prox_{gamma h}(z^k - gamma F(z^k)).
// On a pure bilinear game (mu = 0, h = 0) the iteration map has eigenvalues of modulus
// sqrt(1 + gamma^2 sigma_j^2) > 1: GDA diverges for every gamma > 0.
// Theory stepsize (gda_theory_stepsize): mu / L^2 with mu = mu_F + mu_h > 0 — then
// ||z^{k+1} - z*|| <= sqrt(1 - 2 gamma mu_F + gamma^2 L^2) / (1 + gamma mu_h) ||z^k - z*|| < 1
// (prox_{gamma h} is 1/(1 + gamma mu_h)-Lipschitz) — and 1/L when mu = 0 (no guarantee).
// Settings: precision, server_codec, gamma, gamma_multiplier. Costs: 1 full oracle call,
// bits_up = one dense message, bits_down = the server's broadcast.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

/// mu / L^2 if mu > 0, else 1 / L (see the header comment). L: Lipschitz constant of the
/// operator the step uses; mu = mu_F + mu_h.
double gda_theory_stepsize(double mu, double L);

std::unique_ptr<Method> make_gda(const Settings& s, const ViSetup& setup);

}  // namespace dcopt

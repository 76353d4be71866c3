#pragma once
// Compressed gradient descent-ascent ("QGD" in the MASHA paper's bilinear experiment, §5.1;
// ALGORITHMS.md §5.4): devices send Q_m(F_m(z^k)) with an unbiased codec,
//   z^{k+1} = prox_{gamma h}(z^k - gamma Q^serv[(1/M) sum_m Q_m(F_m(z^k))]).
// No variance reduction: the compression noise does not vanish at z* (F_m(z*) != 0 in general),
// so at best it converges to a neighbourhood whose size grows with gamma and omega.
// Theory stepsize (a safe choice from the standard one-step bound, no paper theorem):
//   gda_theory_stepsize(mu, L_eff), L_eff^2 = L^2 + 2 omega L-hat^2 / M,
// since E||(1/M) sum Q_m(F_m(z))||^2 <= ||F(z)||^2 + (omega/M^2) sum ||F_m(z)||^2 and
// ||F_m(z)||^2 <= 2 L_m^2 ||z - z*||^2 + 2 ||F_m(z*)||^2 (the second term is the noise floor).
// Settings: codec (default natural_dithering, the paper's choice), server_codec, precision,
// gamma, gamma_multiplier. Costs: 1 full oracle call; bits_up = bits(Q); bits_down = broadcast.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_qgda(const Settings& s, const ViSetup& setup);

}  // namespace dcopt

#pragma once
// Gradient descent-ascent with classical error feedback (ALGORITHMS.md §5.4; the MASHA paper's
// "classical error feedback with Top 30% compression", §5.1):
//   v_m = e_m + gamma F_m(z^k);  device sends c_m = C(v_m);  e_m = v_m - c_m
//   z^{k+1} = prox_{gamma h}(z^k - Q^serv[(1/M) sum_m c_m])
// (the step is already scaled by gamma, so the prox is taken at the point z^k - c-bar).
// With C = identity, e_m stays 0 and this is GDA.
// Theory stepsize: no VI theory exists; we use GDA's choice divided by delta,
//   gda_theory_stepsize(mu, L) / delta,
// the factor by which error-feedback analyses for minimization shrink the GD stepsize.
// Settings: codec (default topk:ratio=0.3; must be contractive), server_codec, precision, gamma,
// gamma_multiplier. Costs: 1 full oracle call; bits_up = bits(C); bits_down = broadcast.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_ef_gda(const Settings& s, const ViSetup& setup);

}  // namespace dcopt

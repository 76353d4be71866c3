#pragma once
// Distributed extragradient (Korpelevich 1976; ALGORITHMS.md §4.3):
//   z^{k+1/2} = prox_{gamma h}(z^k - gamma F(z^k))
//   z^{k+1}   = prox_{gamma h}(z^k - gamma F(z^{k+1/2}))
// each F(.) an uncompressed exchange: devices send F_m (dense), the server broadcasts the mean.
// Theory stepsize 1/(2L) (converges for gamma < 1/L; linear rate when mu_F + mu_h > 0), L the
// Lipschitz constant of F. Settings: precision, server_codec, gamma, gamma_multiplier.
// Costs per round: 2 full oracle calls, 2 dense messages up, 2 broadcasts down.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_eg(const Settings& s, const ViSetup& setup);

}  // namespace dcopt

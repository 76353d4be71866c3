#pragma once
// Quantized extragradient (the MASHA paper's "extra step method, each step of which is used
// with natural rounding", §5.1; ALGORITHMS.md §5.4): extragradient where every device sends
// Q_m(F_m(.)) with an unbiased codec at BOTH points:
//   z^{k+1/2} = prox_{gamma h}(z^k - gamma Q^serv[(1/M) sum_m Q_m(F_m(z^k))])
//   z^{k+1}   = prox_{gamma h}(z^k - gamma Q^serv[(1/M) sum_m Q_m(F_m(z^{k+1/2}))])
// It compresses the operator values themselves, not differences, so the noise does not vanish
// at z* (the contrast the paper draws with MASHA1).
// Theory stepsize (a safe heuristic, no theorem): 1/(2 L_eff), L_eff^2 = L^2 + 2 omega L-hat^2 / M
// (the mean-square growth of the compressed average; see qgda.hpp).
// Settings: codec (default natural), server_codec, precision, gamma, gamma_multiplier.
// Costs per round: 2 full oracle calls, 2 compressed messages up, 2 broadcasts down.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_qeg(const Settings& s, const ViSetup& setup);

}  // namespace dcopt

#pragma once
// MASHA2: MASHA1's variance-reduced extragradient for CONTRACTIVE (biased) codecs, with error
// feedback on the devices and, optionally, on the server.
//
// RECONSTRUCTION. The paper's Algorithm 2 and its theory are in an appendix we do not have
// (the main text, papers/000_*.txt, only says MASHA2 handles contractive compressors such as
// TopK and relegates it to Appendix B). This file implements ALGORITHMS.md §5.3's
// reconstruction exactly as specified there; it is unverified against the paper. It reduces to
// MASHA1 when the codec is the identity (then every error memory stays exactly 0).
// Z = R^d and h = 0 only, as in §5.3 (InvalidArgument otherwise).
//
//   state: z, w, F(w) replicated; device error e_m = 0; server error e = 0
//   round k:
//     z-bar   = tau z + (1 - tau) w ;  z_half = z-bar - gamma F(w)
//     v_m     = e_m + gamma (F_m(z_half) - F_m(w)) ; device sends c_m = C_dev(v_m) ;
//     e_m     = v_m - c_m
//     server: c-bar = (1/M) sum c_m ; c-hat = C_serv(e + c-bar), e = e + c-bar - c-hat ;
//             broadcasts c-hat (with the default identity server codec c-hat = c-bar, e = 0)
//     z       = z-bar - gamma F(w) - c-hat
//     b_k ~ Be(1 - tau) (shared seed): if 1, w = z and F(w) is exchanged uncompressed.
//
// Parameters (§5.3, "as MASHA1 with q -> delta"): 1 - tau = 1/delta_dev,
//   gamma = 0.5 sqrt(1 - tau) / sqrt(delta_serv (L^2 + (delta_dev - 1) L-hat^2 / M)).
// Settings: codec (default topk:ratio=0.3, the paper's Top30%), server_codec, precision, tau,
// gamma, gamma_multiplier. Codecs must be contractive (finite delta): unbiased RandK without
// scaling is rejected.
// Costs per round: full_grads = 1 + [b_k]; bits_up = bits(C_dev) + [b_k] dense; bits_down =
// bits(C_serv) + [b_k] dense; coin 0 bits (shared seed).
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_masha2(const Settings& s, const ViSetup& setup);

}  // namespace dcopt

#pragma once
// Bernoulli ("lazy", rand-p) compressor (ALGORITHMS.md §1.5): with probability p the whole
// vector is sent as x/p, otherwise nothing. E[Q(x)] = x, E||Q(x)-x||^2 = (1/p - 1)||x||^2,
// expected density p*d.
// Params: p (required, 0 < p <= 1), precision (32 or 64).
// Bits: header + 1 flag bit, plus precision*d when the vector is sent (values are x_j/p rounded
// to the wire precision, so the receiver needs no parameter to rebuild them).
// Randomness: one Rng::bernoulli(p) draw per message (none when p = 1).
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo bernoulli_codec_info();

}  // namespace dcopt

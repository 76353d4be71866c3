#pragma once
// Natural dithering D_nat^{p,s} (ALGORITHMS.md §1.9): general dithering (§1.6) of |x_j| / ||x||_p
// onto the geometric levels 0, 2^(1-s), ..., 1/2, 1, rounding at random to the two neighbouring
// levels so that E[Q(x)] = x. Norm p in {2, inf}, s >= 1 non-zero levels.
// omega = 1/8 + d^(1/r) 2^(1-s) min{1, d^(1/r) 2^(1-s)} with r = min(p, 2) = 2 for both norms.
//
// Wire (bits): header, the norm at the wire precision (32 or 64 bits, rounded *up* so that every
// |x_j| / norm <= 1 and the decoded values are unbiased with respect to the norm actually sent),
// then per entry 1 sign bit + a level index of ceil(log2(s+1)) bits, fixed length:
// index 0 is the value 0 (sign bit 0), index c in [1, s] is +-norm * 2^(c-s).
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo natural_dithering_codec_info();

}  // namespace dcopt

#pragma once
// Scaled sign (EF-signSGD, ALGORITHMS.md §1.10): C(x) = (||x||_1 / d) sign(x). Deterministic and
// biased; ||C(x) - x||^2 = ||x||^2 - ||x||_1^2 / d <= (1 - 1/d) ||x||^2, so contractive with
// delta = d (declared as d / (1 - 2^-46) to cover the rounding of the scale to the wire
// precision: a relative scale error eps adds eps^2 ||x||_1^2 / d, and eps <= 2^-23 for
// d <= 2^30). sign(0) is taken as +: the bound above counts every entry, zeros included.
//
// Wire (bits): header, the scale ||x||_1 / d at the wire precision (32 or 64 bits), then d sign
// bits (1 = negative), 8 per byte, entry j in bit j%8 of byte j/8 of the payload.
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo scaled_sign_codec_info();

}  // namespace dcopt

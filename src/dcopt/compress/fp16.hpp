#pragma once
// IEEE half precision cast (1 sign, 5 exponent, 10 mantissa bits), round-to-nearest-even.
// Deterministic, biased; contractive with 1 - 1/delta = 2^-22 (unit roundoff 2^-11) for entries
// in the normal range [2^-14, 65504]; entries below 2^-14 (about 6.1e-5) round to the subnormal
// grid of spacing 2^-24 with absolute error <= 2^-25, outside that relative bound. |x| >= 65520
// (which would round to infinity) and non-finite entries: InvalidArgument from encode.
// Wire (bits): header + 16 d. See narrow_float.hpp.
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo fp16_codec_info();

}  // namespace dcopt

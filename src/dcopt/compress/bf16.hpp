#pragma once
// bfloat16 cast (1 sign, 8 exponent, 7 mantissa bits: fp32's range), round-to-nearest-even,
// converted directly from double. Deterministic, biased; contractive with 1 - 1/delta = 2^-16
// (unit roundoff 2^-8) for entries in the normal range [2^-126, ~3.39e38]; entries below 2^-126
// round to the subnormal grid of spacing 2^-133 (absolute error <= 2^-134). Entries that would
// round to infinity (|x| >= (2 - 2^-8) 2^127) and non-finite entries: InvalidArgument.
// Wire (bits): header + 16 d. See narrow_float.hpp.
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo bf16_codec_info();

}  // namespace dcopt

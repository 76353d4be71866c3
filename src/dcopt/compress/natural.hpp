#pragma once
// Natural compression C_nat (ALGORITHMS.md §1.8): every entry t != 0 is rounded at random to one
// of its two neighbouring powers of two, 2^e <= |t| < 2^(e+1), choosing 2^(e+1) with probability
// |t|/2^e - 1 (the mantissa), so E[C(t)] = t. Unbiased, omega = 1/8 (attained at |t| = 4/3 2^e),
// density d (zeros stay zero).
//
// Wire (bits): header, then per entry 1 sign bit + an exponent field of 8 bits (precision=32) or
// 11 bits (precision=64): 9d or 12d payload bits, fixed length. Field value E = 0 means 0;
// E >= 1 means +-2^(E-127) (fp32) or +-2^(E-1023) (fp64).
//
// Edge cases (documented behaviour):
//  * Below the smallest normal of the precision (2^-126 for fp32, 2^-1022 for fp64) an entry is
//    rounded to 0 or to that smallest normal with probability |t|/2^-126 (resp. 2^-1022): still
//    unbiased, but its variance t(2^-126 - t) <= 2^-254 is absolute, not relative, so the omega
//    bound holds up to an additive 2^-254 (fp64: 2^-2046) per such entry.
//  * precision=32: entries with |t| >= 2^128 are rejected (InvalidArgument naming index and
//    value); [2^127, 2^128) may round up to 2^128, carried by E = 255. precision=64: entries with
//    |t| > 2^1023 are rejected (rounding up would overflow). Non-finite entries are rejected.
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo natural_codec_info();

}  // namespace dcopt

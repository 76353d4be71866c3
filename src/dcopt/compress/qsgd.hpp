#pragma once
// QSGD / standard dithering with s uniform levels (ALGORITHMS.md §1.7): with y_j = |x_j| / ||x||_2
// and l = floor(s y_j), the entry becomes ||x||_2 sign(x_j) (l+1)/s with probability s y_j - l,
// else ||x||_2 sign(x_j) l/s. Unbiased, omega = min(d/s^2, sqrt(d)/s), expected number of
// non-zeros <= min(d, s(s + sqrt(d))).
//
// Wire (bits): header, the norm at the wire precision (rounded *up*, so levels never exceed s and
// the output is unbiased with respect to the norm sent), then
//  * coding=elias (default): varint(number of non-zeros, in 8-bit groups), then for each non-zero
//    in increasing position: Elias gamma of the gap to the previous non-zero (the first: its
//    position + 1), 1 sign bit, Elias gamma of its level in [1, s]. Elias gamma here is the
//    LSB-first variant of core/bit_pack.hpp (same 2 floor(log2 n) + 1 bits as the classic code).
//  * coding=fixed: per entry 1 sign bit + level in ceil(log2(s+1)) bits (sign bit 0 for level 0).
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo qsgd_codec_info();

}  // namespace dcopt

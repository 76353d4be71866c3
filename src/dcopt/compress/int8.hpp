#pragma once
// Blockwise 8-bit linear quantization. The input is cut into blocks of B consecutive entries
// (the last one may be shorter); each block sends its absmax m as an fp32 scale (rounded *up*, so
// |x_j| / m <= 1) and every entry as q = round(127 x_j / m), an int8 in [-127, 127], decoded as
// q m / 127.
//  * rounding=nearest: deterministic, biased, contractive. Per entry |error| <= m/254 and the
//    block maximum is exact, so a block of b entries has error <= (b-1) m^2 / 254^2 <=
//    (b-1)/64516 ||x_block||^2; also every error is <= |x_j| (0 is a level) and the maximum is
//    exact, so error <= ||x_block||^2 - m^2 <= (1 - 1/b) ||x_block||^2. Hence
//    1 - 1/delta = min((B'-1)/64516, 1 - 1/B') with B' = min(B, d): always contractive.
//    (The brief's B/64516 drops the exact maximum; with B >= 64516 it would wrongly say "not
//    contractive".)
//  * rounding=stochastic: unbiased; per entry variance <= (m/127)^2 / 4, the maximum again exact,
//    so omega = (B'-1)/64516.
// Both constants carry a small margin (factor 1 + 2^-20, plus 2^-24) for the fp32 rounding of m.
// A block whose absmax is below fp32's smallest normal 2^-126 is sent as zeros (scale 0): a
// subnormal fp32 scale would lose the relative precision the constants rely on, so such a block
// has an absolute error <= B' 2^-252 (and a bias, for stochastic rounding) outside the constants
// above. A block whose absmax exceeds FLT_MAX (fp64 input) is rejected by encode
// (InvalidArgument naming block and value), and so is non-finite input.
//
// Wire (bits): header, ceil(d/B) fp32 scales (32 bits each), then d int8 codes (8 bits each):
// 32 ceil(d/B) + 8 d.
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo int8_codec_info();

}  // namespace dcopt

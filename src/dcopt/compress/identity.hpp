#pragma once
// Identity "compression": every value is sent at the wire precision. omega = 0, delta = 1.
// Bits: 32d (fp32) or 64d (fp64) + header.
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo identity_codec_info();

}  // namespace dcopt

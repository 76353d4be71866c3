#pragma once
// Whole-message size check for decoders that write into the accumulator while reading: verifying
// the exact remaining length (and the zero padding) before the first write means a truncated,
// oversized or padded-with-garbage message is rejected with `acc` still untouched.
#include <cstdint>
#include <span>

#include "dcopt/core/bit_io.hpp"

namespace dcopt {

/// Throws DecodeError unless exactly `bits` bits remain in `r` (which reads all of `bytes`),
/// followed only by zero padding up to the byte boundary. Does not advance `r`.
void require_exact_payload(const BitReader& r, std::span<const std::uint8_t> bytes,
                           std::uint64_t bits, const char* what);

}  // namespace dcopt

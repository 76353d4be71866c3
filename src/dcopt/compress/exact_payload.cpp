#include "dcopt/compress/exact_payload.hpp"

#include <string>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {

void require_exact_payload(const BitReader& r, std::span<const std::uint8_t> bytes,
                           std::uint64_t bits, const char* what) {
  require_bits(r, bits, what);
  const std::uint64_t extra = r.remaining() - bits;
  if (extra >= 8) {
    throw DecodeError("malformed message: " + std::to_string(extra) +
                      " unexpected trailing bits after " + what);
  }
  const std::uint64_t end = r.position() + bits;  // first bit after the payload
  if (end % 8 != 0 && (bytes[end / 8] >> (end % 8)) != 0) {
    throw DecodeError(std::string("malformed message: non-zero padding after ") + what);
  }
}

}  // namespace dcopt

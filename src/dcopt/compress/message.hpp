#pragma once
// A compressed message: the real bytes that travel, and the exact number of bits they carry.
#include <cstdint>
#include <vector>

namespace dcopt {

struct Message {
  /// The wire payload (what a Communicator sends). The last byte may be zero-padded.
  std::vector<std::uint8_t> bytes;
  /// Exact size of the encoding in bits, header included: bytes.size()*8 minus the padding.
  std::uint64_t bits = 0;
  /// Of `bits`, how many are header (codec id, dimension): reported separately by the
  /// accounting so that paper-style payload counts can be recovered.
  std::uint64_t header_bits = 0;

  std::uint64_t payload_bits() const { return bits - header_bits; }
};

}  // namespace dcopt

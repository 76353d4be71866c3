#include "dcopt/compress/compressor.hpp"

#include "dcopt/core/vec.hpp"

namespace dcopt {

void Compressor::decode(std::span<const std::uint8_t> bytes, std::span<double> out,
                        Rng shared) const {
  vec::fill(out, 0.0);
  decode_add(bytes, 1.0, out, shared);
}

}  // namespace dcopt

#include "dcopt/compress/compressor.hpp"

#include "dcopt/core/vec.hpp"

namespace dcopt {

Message Compressor::encode(std::span<const double> x, Rng& rng) const {
  Message m;
  encode(x, rng, m);
  return m;
}

Message Compressor::encode(std::span<const float> x, Rng& rng) const {
  Message m;
  encode(x, rng, m);
  return m;
}

void Compressor::decode(std::span<const std::uint8_t> bytes, std::span<double> out,
                        Rng shared) const {
  vec::fill(out, 0.0);
  decode_add(bytes, 1.0, out, shared);
}

void Compressor::decode(std::span<const std::uint8_t> bytes, std::span<float> out,
                        Rng shared) const {
  vec::fill(out, 0.0f);
  decode_add(bytes, 1.0, out, shared);
}

}  // namespace dcopt

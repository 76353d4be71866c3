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

namespace {

template <class T>
std::uint64_t encode_and_decode(const Compressor& c, std::span<const T> x, Rng stream,
                                std::span<T> out, Message& scratch) {
  Rng rng = stream;
  c.encode(x, rng, scratch);
  c.decode(scratch.bytes, out, stream);
  return scratch.bits;
}

}  // namespace

std::uint64_t Compressor::round_trip(std::span<const double> x, Rng stream, std::span<double> out,
                                     Message& scratch) const {
  return encode_and_decode(*this, x, stream, out, scratch);
}

std::uint64_t Compressor::round_trip(std::span<const float> x, Rng stream, std::span<float> out,
                                     Message& scratch) const {
  return encode_and_decode(*this, x, stream, out, scratch);
}

}  // namespace dcopt

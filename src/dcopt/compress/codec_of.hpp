#pragma once
// CodecOf<Derived>: the Compressor base that lets a codec be written once, as templates over the
// element type T (double or float), instead of once per virtual. Derived provides
//
//   template <class T> void encode_as(std::span<const T> x, Rng& rng, Message& out) const;
//   template <class T> void decode_add_as(std::span<const std::uint8_t> bytes, double scale,
//                                         std::span<T> acc, Rng shared) const;
//
// and CodecOf overrides the four virtuals by calling them. The rules that make one wire format
// serve both element types (compressor.hpp): encode_as reads each entry as
// static_cast<double>(x[i]) and then runs the double arithmetic, so a float vector encodes to the
// bytes of its double copy; decode_add_as computes each update in double and stores it with
// accumulate() below.
#include <cstdint>
#include <span>

#include "dcopt/compress/compressor.hpp"

namespace dcopt {

/// a = a + update, computed in double and stored as T: for T = double exactly `a += update`, for
/// T = float the rounding of the double sum (one rounding, not two).
template <class T>
inline void accumulate(T& a, double update) {
  a = static_cast<T>(static_cast<double>(a) + update);
}

template <class Derived>
class CodecOf : public Compressor {
 public:
  using Compressor::decode;
  using Compressor::decode_add;
  using Compressor::encode;

  void encode(std::span<const double> x, Rng& rng, Message& out) const final {
    derived().encode_as(x, rng, out);
  }
  void encode(std::span<const float> x, Rng& rng, Message& out) const final {
    derived().encode_as(x, rng, out);
  }
  void decode_add(std::span<const std::uint8_t> bytes, double scale, std::span<double> acc,
                  Rng shared) const final {
    derived().decode_add_as(bytes, scale, acc, shared);
  }
  void decode_add(std::span<const std::uint8_t> bytes, double scale, std::span<float> acc,
                  Rng shared) const final {
    derived().decode_add_as(bytes, scale, acc, shared);
  }

 private:
  const Derived& derived() const { return static_cast<const Derived&>(*this); }
};

}  // namespace dcopt

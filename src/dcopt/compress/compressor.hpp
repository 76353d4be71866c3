#pragma once
// The Compressor contract (DESIGN.md). A compressor is stateless, const and thread-safe; it
// carries its theory constants with it and produces real wire payloads.
//
// Randomness: encode() draws only from the `rng` it is given. The stream is always derivable by
// the receiver, Rng(seed, Purpose::compressor, sender, round), so codecs whose receiver must
// regenerate the sender's choices (shared-seed RandK) get an identical fresh stream in
// decode_add(). Codecs that do not need it ignore the decoder's stream.
//
// Untrusted input: decode()/decode_add() validate everything (codec id, dimension, counts,
// indices, lengths, trailing bytes) and throw DecodeError; they never read or write out of bounds.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>

#include "dcopt/compress/message.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {

/// Codec identifiers as written in the first byte of every message.
enum class CodecId : std::uint8_t {
  identity = 1,
  randk = 2,
  randk_shared = 3,
  bernoulli = 4,
  topk = 5,
  natural = 6,
  natural_dithering = 7,
  qsgd = 8,
  scaled_sign = 9,
  int8 = 10,
  fp16 = 11,
  bf16 = 12,
  layered = 13,  ///< a message per tensor of a ParamLayout (layered_compressor.hpp)
};

/// Theory constants of a compressor at dimension d (ALGORITHMS.md §1.1).
struct CompressorProperties {
  static constexpr double none = std::numeric_limits<double>::infinity();
  /// E[Q(x)] = x for every x.
  bool unbiased = false;
  /// E||Q(x)-x||^2 <= omega ||x||^2 (class U(omega)); infinity if not unbiased.
  double omega = none;
  /// E||C(x)-x||^2 <= (1 - 1/delta) ||x||^2 (contractive class, delta >= 1); infinity if the
  /// codec is not contractive (e.g. unbiased RandK, whose d/K scaling expands).
  double delta = none;
  /// Expected number of non-zeros of Q(x) (zeta_Q), at most d.
  double expected_density = 0.0;
  /// Same input always gives the same output (no randomness used).
  bool deterministic = false;
};

class Compressor {
 public:
  virtual ~Compressor() = default;

  /// Registry name, e.g. "topk".
  virtual std::string name() const = 0;
  /// Canonical spec string that rebuilds this compressor, e.g. "topk:k=10,precision=32".
  virtual std::string spec() const = 0;
  virtual CodecId id() const = 0;
  virtual CompressorProperties properties(std::size_t d) const = 0;

  /// Encode x into `out`, overwriting it entirely (bytes, bits, header_bits). Deterministic
  /// given (x, rng state). `out.bytes`' storage is reused: when its capacity suffices for the
  /// message, encode does not allocate for it, so a caller that keeps one Message per exchange
  /// slot encodes without touching the heap in steady state. If encode throws, `out` is left
  /// valid but unspecified.
  ///
  /// Element types: a float vector is read entry by entry as double (exact) and encoded by the
  /// same arithmetic, so its bytes equal those of its double copy with the same rng; one wire
  /// format serves both, and the receiver need not know the sender's element type.
  virtual void encode(std::span<const double> x, Rng& rng, Message& out) const = 0;
  virtual void encode(std::span<const float> x, Rng& rng, Message& out) const = 0;

  /// acc += scale * Q(x) for the message's Q(x). acc.size() is the dimension the receiver
  /// expects; a message for another dimension is rejected. `shared` is a fresh copy of the
  /// stream the sender's encode() started from (see the header comment). Each update is computed
  /// in double; a float accumulator stores the rounded result, acc[j] = float(acc[j] + scale *
  /// value_j), so decoding into a zero float vector gives the float rounding of the double
  /// decode.
  virtual void decode_add(std::span<const std::uint8_t> bytes, double scale, std::span<double> acc,
                          Rng shared) const = 0;
  virtual void decode_add(std::span<const std::uint8_t> bytes, double scale, std::span<float> acc,
                          Rng shared) const = 0;

  /// Convenience: encode into a new Message (allocates its bytes).
  Message encode(std::span<const double> x, Rng& rng) const;
  Message encode(std::span<const float> x, Rng& rng) const;

  /// out = Q(x). Implemented via decode_add.
  void decode(std::span<const std::uint8_t> bytes, std::span<double> out, Rng shared) const;
  void decode(std::span<const std::uint8_t> bytes, std::span<float> out, Rng shared) const;

  /// What a receiver of x's message decodes, out = Q(x), and the exact size of that message in
  /// bits: encode(x) with a copy of `stream` into `scratch`, then decode() with `stream`. A codec
  /// that can compute Q(x) and the size without building the message overrides it (identity: one
  /// pass instead of writing and reading every value); the values and the bits are the same.
  virtual std::uint64_t round_trip(std::span<const double> x, Rng stream, std::span<double> out,
                                   Message& scratch) const;
  virtual std::uint64_t round_trip(std::span<const float> x, Rng stream, std::span<float> out,
                                   Message& scratch) const;
};

using CompressorPtr = std::shared_ptr<const Compressor>;

}  // namespace dcopt

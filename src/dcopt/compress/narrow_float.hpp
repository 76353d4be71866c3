#pragma once
// IEEE-style 16-bit floating-point formats (fp16: 5 exponent / 10 mantissa bits, bf16: 8 / 7),
// converted from double by bit manipulation with round-to-nearest-even, directly (not through
// float, which would round twice), and without compiler _Float16 support; plus the codec that
// sends every entry as one such 16-bit value (fp16.cpp and bf16.cpp instantiate it).
//
// Range: finite inputs that would round to infinity (|x| >= (2 - 2^-(M+1)) 2^bias, i.e. 65520
// for fp16) and non-finite inputs are an encode error (InvalidArgument naming index and value),
// never a silent saturation: saturating would break the declared relative error bound.
// Subnormals: inputs below the smallest normal 2^(1-bias) round to the format's subnormal grid
// (spacing 2^(1-bias-M): 2^-24 for fp16, 2^-133 for bf16), also ties-to-even; their error
// is absolute (at most half that spacing), not relative.
#include <bit>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/compressor.hpp"
#include "dcopt/compress/thread_scratch.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {

template <unsigned kExpBits, unsigned kMantBits>
struct NarrowFloat {
  static constexpr int bias = (1 << (kExpBits - 1)) - 1;
  static constexpr unsigned shift = 52 - kMantBits;
  static constexpr std::uint64_t abs_mask = ~(std::uint64_t{1} << 63);
  /// Double bits of the smallest magnitude that rounds to infinity.
  static constexpr std::uint64_t overflow_bits =
      (std::uint64_t{1023 + bias} << 52) |
      (((std::uint64_t{1} << (kMantBits + 1)) - 1) << (shift - 1));
  /// Biased double exponent of the format's smallest normal 2^(1-bias).
  static constexpr std::uint64_t min_normal_exp = 1023 + 1 - bias;
  /// Unit roundoff for normal numbers: 2^-(M+1).
  static constexpr double unit_roundoff = 1.0 / static_cast<double>(std::uint64_t{2} << kMantBits);
  static constexpr std::uint16_t exp_mask = ((1u << kExpBits) - 1) << kMantBits;
  /// 2^k as a double, built from its bits (constexpr, unlike std::ldexp); -1022 <= k <= 1023.
  static constexpr double pow2(int k) {
    return std::bit_cast<double>(static_cast<std::uint64_t>(1023 + k) << 52);
  }
  /// The subnormal spacing 2^(1-bias-M) and its inverse. Multiplying by them is exact here (the
  /// products are normal doubles), so it gives the bits std::ldexp gives, without a libm call
  /// per entry (fp16 gradients have many zeros and tiny values).
  static constexpr double subnormal_unit = pow2(1 - bias - static_cast<int>(kMantBits));
  static constexpr double inv_subnormal_unit = pow2(bias - 1 + static_cast<int>(kMantBits));

  /// Whether |x| (finite or not) is encodable.
  static bool in_range(double x) {
    return (std::bit_cast<std::uint64_t>(x) & abs_mask) < overflow_bits;
  }

  /// Round-to-nearest-even conversion; requires in_range(x).
  static std::uint16_t from_double(double x) {
    const auto u = std::bit_cast<std::uint64_t>(x);
    const auto sign = static_cast<std::uint16_t>((u >> 63) << 15);
    const std::uint64_t a = u & abs_mask;
    if ((a >> 52) >= min_normal_exp) {
      // Add just under half an ulp, plus one if the kept part is odd: the carry then implements
      // ties-to-even, and a mantissa overflow correctly bumps the exponent.
      const std::uint64_t r = a + ((std::uint64_t{1} << (shift - 1)) - 1) + ((a >> shift) & 1);
      return sign |
             static_cast<std::uint16_t>((r >> shift) - (std::uint64_t{1023 - bias} << kMantBits));
    }
    // Subnormal range: count units of the subnormal spacing 2^(1-bias-M); the scaling is exact
    // and nearbyint rounds ties to even in the default rounding mode. 2^M (the smallest normal)
    // comes out with the right bit pattern.
    const double units = std::nearbyint(std::bit_cast<double>(a) * inv_subnormal_unit);
    return sign | static_cast<std::uint16_t>(units);
  }

  /// Whether h is a finite value (exponent not all ones).
  static bool is_finite(std::uint16_t h) { return (h & exp_mask) != exp_mask; }

  /// Exact conversion of a finite h.
  static double to_double(std::uint16_t h) {
    const std::uint64_t e = (h & exp_mask) >> kMantBits;
    const std::uint64_t m = h & ((1u << kMantBits) - 1);
    const std::uint64_t sign = static_cast<std::uint64_t>(h >> 15) << 63;
    if (e == 0) {
      const double v = static_cast<double>(m) * subnormal_unit;
      return sign ? -v : v;
    }
    return std::bit_cast<double>(sign | ((e - bias + 1023) << 52) | (m << shift));
  }
};

using Fp16Format = NarrowFloat<5, 10>;
using Bf16Format = NarrowFloat<8, 7>;

/// The cast codec: deterministic, biased, contractive with 1 - 1/delta = u^2 (u the unit
/// roundoff) for inputs in the normal range. Wire (bits): header + 16 d.
template <class Format>
class NarrowFloatCodec final : public CodecOf<NarrowFloatCodec<Format>> {
 public:
  NarrowFloatCodec(std::string name, CodecId id) : name_(std::move(name)), id_(id) {}
  std::string name() const override { return name_; }
  std::string spec() const override { return name_; }
  CodecId id() const override { return id_; }
  CompressorProperties properties(std::size_t d) const override {
    CompressorProperties p;
    p.deterministic = true;
    p.delta = 1.0 / (1.0 - Format::unit_roundoff * Format::unit_roundoff);
    p.expected_density = static_cast<double>(d);
    return p;
  }

  template <class T>
  void encode_as(std::span<const T> x, Rng&, Message& out) const {
    const std::size_t d = x.size();
    bool ok = true;
    for (std::size_t j = 0; j < d; ++j) ok &= Format::in_range(static_cast<double>(x[j]));
    if (!ok) reject(x);
    std::vector<std::uint64_t>& words = thread_scratch<Scratch>().words;
    words.assign((d + 3) / 4, 0);
    for (std::size_t j = 0; j < d; ++j) {
      words[j / 4] |= static_cast<std::uint64_t>(Format::from_double(static_cast<double>(x[j])))
                      << (16 * (j % 4));
    }
    BitWriter w(std::move(out.bytes));
    w.reserve_bits(64 + 16 * d);
    std::uint64_t header = write_header(w, id_, d);
    w.write_words(words, 16 * d);
    finish_message(w, header, out);
  }

  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    BitReader r(bytes);
    const std::size_t d = acc.size();
    read_header(r, id_, d);
    require_bits(r, 16 * d, "values");
    std::vector<std::uint64_t>& words = thread_scratch<Scratch>().words;
    words.resize(d / 4 + 1);
    r.read_words(words, 16 * d, "values");
    r.expect_end("values");
    bool ok = true;
    for (std::size_t j = 0; j < d; ++j) ok &= Format::is_finite(value(words, j));
    if (!ok) throw DecodeError("malformed " + name_ + " message: a value is infinite or NaN");
    for (std::size_t j = 0; j < d; ++j) {
      accumulate(acc[j], scale * Format::to_double(value(words, j)));
    }
  }

 private:
  // Per-thread packed 16-bit values (thread_scratch.hpp), on encode and on decode.
  struct Scratch {
    std::vector<std::uint64_t> words;
  };

  static std::uint16_t value(const std::vector<std::uint64_t>& words, std::size_t j) {
    return static_cast<std::uint16_t>(words[j / 4] >> (16 * (j % 4)));
  }
  template <class T>
  [[noreturn]] void reject(std::span<const T> xs) const {
    for (std::size_t j = 0; j < xs.size(); ++j) {
      const double x = static_cast<double>(xs[j]);
      if (!Format::in_range(x)) {
        std::ostringstream msg;
        msg << "codec '" << name_ << "' cannot encode entry " << j << " = " << x << ": "
            << (std::isfinite(x) ? "beyond the format's finite range (it would round to "
                                   "infinity)"
                                 : "input must be finite");
        throw InvalidArgument(msg.str());
      }
    }
    throw InvalidArgument("codec '" + name_ + "': input out of range");
  }

  std::string name_;
  CodecId id_;
};

}  // namespace dcopt

#include "dcopt/compress/natural.hpp"

#include <bit>
#include <cmath>
#include <sstream>
#include <type_traits>
#include <utility>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/quant_support.hpp"
#include "dcopt/compress/thread_scratch.hpp"
#include "dcopt/core/bit_pack.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

constexpr std::uint64_t kMantissa = (std::uint64_t{1} << 52) - 1;
constexpr std::uint64_t kAbs = ~(std::uint64_t{1} << 63);

// code_of for n entries with entry j drawing words[j] (draw_in_chunks). Handles normal
// entries (exponent field from the double exponent, rounded up with probability mantissa /
// 2^52 by one word) and zeros (no draw); subnormals, out-of-range entries and ties are
// irregular. Written on 32-bit pieces of the double's bits so that it vectorizes.
template <class Fp32, class T>
DCOPT_KERNEL_INLINE unsigned natural_codes(Fp32, unsigned exp_bits, const T* __restrict x,
                                           std::size_t n, const std::uint32_t* __restrict words,
                                           std::uint32_t* __restrict need,
                                           std::uint32_t* __restrict codes) {
  constexpr bool kFp32 = Fp32::value;
  // Exponent range coded from the exponent: [897, 1150] (fp32 field e - 896) or [1, 2045]
  // (fp64 field e; 2046 with mantissa 0 is left to code_of).
  constexpr std::uint32_t e_lo = kFp32 ? 897 : 1, e_hi = kFp32 ? 1150 : 2045;
  constexpr std::uint32_t rebias = kFp32 ? 896 : 0;
  std::uint32_t irregular = 0, skipped = 0;
  for (std::size_t j = 0; j < n; ++j) {
    std::uint32_t sign, e, hi, low20, zero;
    if constexpr (std::is_same_v<T, float>) {
      // The pieces of the double copy straight from the float's bits (32-bit lanes): for a
      // normal float the double exponent is the float's + 896, and the double's mantissa is
      // the float's shifted up by 29 bits, so its top 32 bits are the float's << 9 and the
      // low 20 bits are 0. Zeros and subnormals get e = 0, infinities and NaNs e = 2047:
      // neither is in a coded range, so a subnormal or non-finite entry is irregular.
      const auto f = std::bit_cast<std::uint32_t>(x[j]);
      sign = f >> 31;
      const std::uint32_t fe = (f >> 23) & 0xFF;
      e = ((fe + 896) & (0u - static_cast<std::uint32_t>(fe != 0))) |
          (2047 & (0u - static_cast<std::uint32_t>(fe == 255)));
      hi = (f & 0x7FFFFF) << 9;
      low20 = 0;
      zero = (f & 0x7FFFFFFF) == 0;
    } else {
      const auto u = std::bit_cast<std::uint64_t>(static_cast<double>(x[j]));
      const auto top = static_cast<std::uint32_t>(u >> 32);
      sign = top >> 31;
      e = (top >> 20) & 0x7FF;
      hi = static_cast<std::uint32_t>(u >> 20);  // the mantissa's top 32 bits
      low20 = static_cast<std::uint32_t>(u) & 0xFFFFF;
      zero = (e | hi | low20) == 0;
    }
    const std::uint32_t r = words[j];
    // 0/1 and all-ones masks as integers, no ?: and no bool: GCC if-converts and
    // vectorizes this form (a conditional expression here left the loop scalar).
    const std::uint32_t normal = e - e_lo <= e_hi - e_lo;  // unsigned: e in [e_lo, e_hi]
    const std::uint32_t draws = normal & static_cast<std::uint32_t>((hi | low20) != 0);
    const std::uint32_t up = draws & static_cast<std::uint32_t>(r < hi);
    const std::uint32_t field = (e - rebias + up) & (0u - normal);
    const std::uint32_t signed_bit = sign & static_cast<std::uint32_t>(field != 0);
    codes[j] = field | (signed_bit << exp_bits);
    need[j] = draws;
    irregular |= ((normal | zero) ^ 1) | (draws & static_cast<std::uint32_t>(r == hi));
    skipped |= draws ^ 1;
  }
  return (irregular != 0 ? kChunkIrregular : 0) | (skipped != 0 ? kChunkSkippedDraws : 0);
}

DCOPT_AVX2_KERNEL(natural_codes)

class Natural final : public CodecOf<Natural> {
 public:
  explicit Natural(Precision p)
      : precision_(p), exp_bits_(p == Precision::fp32 ? 8u : 11u), width_(exp_bits_ + 1) {}
  std::string name() const override { return "natural"; }
  std::string spec() const override {
    return "natural:precision=" + std::to_string(precision_bits(precision_));
  }
  CodecId id() const override { return CodecId::natural; }
  CompressorProperties properties(std::size_t d) const override {
    CompressorProperties p;
    p.unbiased = true;
    p.omega = 1.0 / 8.0;
    p.delta = CompressorProperties::none;
    p.expected_density = static_cast<double>(d);
    p.deterministic = false;
    return p;
  }

  template <class T>
  void encode_as(std::span<const T> x, Rng& rng, Message& out) const {
    NaturalScratch& s = thread_scratch<NaturalScratch>();
    BitPacker pk(std::move(s.words), x.size() * width_);
    if (precision_ == Precision::fp32) {
      encode_fields<true>(x, rng, pk);
    } else {
      encode_fields<false>(x, rng, pk);
    }
    BitWriter w(std::move(out.bytes));
    w.reserve_bits(64 + pk.bits());
    std::uint64_t header = write_header(w, id(), x.size());
    std::size_t nbits = pk.bits();
    w.write_words(pk.finish(), nbits);
    s.words = pk.release();
    finish_message(w, header, out);
  }

  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    BitReader r(bytes);
    read_header(r, id(), acc.size());
    const std::size_t nbits = acc.size() * width_;
    require_bits(r, nbits, "natural-compression fields");
    std::vector<std::uint64_t>& words = thread_scratch<NaturalScratch>().words;
    words.resize(nbits / 64 + 1);
    r.read_words(words, nbits, "natural-compression fields");
    r.expect_end("natural-compression fields");
    const std::uint64_t emask = (std::uint64_t{1} << exp_bits_) - 1;
    // Exponent field -> biased double exponent: E - 127 + 1023 for fp32, E itself for fp64.
    const std::uint64_t rebias = precision_ == Precision::fp32 ? 896 : 0;
    const std::uint64_t max_e = precision_ == Precision::fp32 ? 255 : 2046;
    // Validate every field before touching acc, so a bad message leaves it unchanged.
    {
      BitUnpacker u(words, nbits);
      bool bad = false;
      for (std::size_t i = 0; i < acc.size(); ++i) {
        std::uint64_t code = u.get_unchecked(width_);
        std::uint64_t e = code & emask;
        bad |= (e == 0 && code != 0) | (e > max_e);
      }
      if (bad) {
        throw DecodeError(
            "malformed natural-compression message: an entry has a negative zero or an "
            "exponent outside the range of the precision");
      }
    }
    BitUnpacker u(words, nbits);
    for (T& a : acc) {
      std::uint64_t code = u.get_unchecked(width_);
      std::uint64_t e = code & emask;
      std::uint64_t sign = code >> exp_bits_;
      std::uint64_t bits = e == 0 ? 0 : (sign << 63) | ((e + rebias) << 52);
      accumulate(a, scale * std::bit_cast<double>(bits));
    }
  }

 private:
  // Per-thread packed words (thread_scratch.hpp): the packer's output on encode, the payload's
  // words on decode.
  struct NaturalScratch {
    std::vector<std::uint64_t> words;
  };

  template <bool kFp32, class T>
  void encode_fields(std::span<const T> x, Rng& rng, BitPacker& pk) const {
    std::uint32_t codes[kDrawChunk];
    draw_in_chunks(
        rng, x.size(),
        [&](std::size_t lo, std::size_t n, const std::uint32_t* words, std::uint32_t* need) {
          return DCOPT_CALL_KERNEL(natural_codes, std::bool_constant<kFp32>{}, exp_bits_,
                                   x.data() + lo, n, words, need, codes);
        },
        [&](std::size_t lo, std::size_t n) {
          for (std::size_t i = 0; i < n; ++i) codes[i] = code_of<kFp32>(x, lo + i, rng);
        },
        [&](std::size_t, std::size_t n) { pk.put_fixed(codes, n, width_); });
  }

  // The code of entry i, drawing from rng: the reference per-entry rule.
  template <bool kFp32, class T>
  std::uint32_t code_of(std::span<const T> x, std::size_t i, Rng& rng) const {
    const auto u = std::bit_cast<std::uint64_t>(static_cast<double>(x[i]));
    const std::uint64_t a = u & kAbs;
    const std::uint64_t e = a >> 52;  // biased double exponent
    std::uint64_t field;
    if constexpr (kFp32) {
      if (e >= 897 && e <= 1150) {  // 2^-126 <= |t| < 2^128
        field = e - 896 + (bernoulli_mantissa52(rng, a & kMantissa) ? 1 : 0);
      } else if (e < 897) {  // below the smallest fp32 normal (includes 0)
        double p = std::bit_cast<double>(a) * 0x1p126;  // exact
        field = bernoulli_exact(rng, p) ? 1 : 0;
      } else {
        reject(static_cast<double>(x[i]), i,
               "|t| >= 2^128 does not fit the 8-bit exponent (use precision=64)");
      }
    } else {
      if (e >= 1 && (e <= 2045 || (e == 2046 && (a & kMantissa) == 0))) {
        field = e + (bernoulli_mantissa52(rng, a & kMantissa) ? 1 : 0);
      } else if (e == 0) {                               // zero or subnormal double
        double p = std::bit_cast<double>(a) * 0x1p1022;  // exact
        field = bernoulli_exact(rng, p) ? 1 : 0;
      } else {
        reject(static_cast<double>(x[i]), i,
               "|t| > 2^1023 would round up beyond the largest double");
      }
    }
    // Zero keeps a + sign so that every value has a single encoding.
    const std::uint64_t sign = field == 0 ? 0 : u >> 63;
    return static_cast<std::uint32_t>(field | (sign << exp_bits_));
  }

  [[noreturn]] void reject(double v, std::size_t i, const char* why) const {
    if (!std::isfinite(v)) why = "input must be finite";
    std::ostringstream msg;
    msg << "codec '" << spec() << "' cannot encode entry " << i << " = " << v << ": " << why;
    throw InvalidArgument(msg.str());
  }

  Precision precision_;
  unsigned exp_bits_;
  unsigned width_;
};

}  // namespace

CodecInfo natural_codec_info() {
  CodecInfo info;
  info.name = "natural";
  info.summary = "natural compression C_nat: stochastic rounding to a signed power of two";
  info.theory =
      "unbiased, omega = 1/8 (worst case at |t| = 4/3 * 2^e), density d; entries below the "
      "smallest normal (2^-126 / 2^-1022) round to 0 or that normal, unbiased, with absolute "
      "variance <= 2^-254 / 2^-2046";
  info.wire_bits = "(1 + 8) * d for precision=32, (1 + 11) * d for precision=64";
  info.params = {{"precision", "32",
                  "exponent range on the wire: 32 (8-bit exponent, |t| < 2^128) or 64 (11-bit "
                  "exponent, |t| <= 2^1023)"}};
  info.examples = {"natural", "natural:precision=64"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    return std::make_shared<Natural>(parse_precision(spec));
  };
  return info;
}

}  // namespace dcopt

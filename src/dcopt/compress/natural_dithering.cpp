#include "dcopt/compress/natural_dithering.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/natural_dithering_avx2.hpp"
#include "dcopt/compress/quant_support.hpp"
#include "dcopt/compress/thread_scratch.hpp"
#include "dcopt/core/bit_pack.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

constexpr std::uint64_t kMaxLevels = 64;

// code_of for n entries with entry j drawing words[j] (draw_in_chunks); ties are irregular.
// Both cases are computed for every entry and selected by masks. The portable kernel; CPUs with
// AVX2 run dithering_codes_avx2 (the same bits, natural_dithering_avx2.hpp) on all but the last
// n % 8 entries.
template <class T>
unsigned dithering_codes(const T* __restrict x, std::size_t n, double norm, std::uint32_t lowest,
                         double below, const std::uint32_t* __restrict words,
                         std::uint32_t* __restrict need, std::uint32_t* __restrict codes) {
  std::uint32_t irregular = 0, skipped = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const double v = x[j];
    const double y = std::fabs(v) / norm;
    const auto bits = std::bit_cast<std::uint64_t>(y);
    const auto eb = static_cast<std::uint32_t>(bits >> 52);
    const auto hi = static_cast<std::uint32_t>(bits >> 20);  // the mantissa's top 32 bits
    const auto low20 = static_cast<std::uint32_t>(bits) & 0xFFFFF;
    const std::uint32_t r = words[j];
    const std::uint32_t upper = eb >= lowest;
    // Upper levels: bernoulli_mantissa52.
    const std::uint32_t draws_up = static_cast<std::uint32_t>((hi | low20) != 0);
    const std::uint32_t up_up = draws_up & static_cast<std::uint32_t>(r < hi);
    const std::uint32_t tie_up = draws_up & static_cast<std::uint32_t>(r == hi);
    // Below the lowest level: bernoulli_exact with frac = y * 2^(s-1) < 1.
    const double f2 = y * below * 0x1p32;  // exact: scaling by powers of two
    const double rd = static_cast<double>(r);
    const std::uint32_t draws_lo = static_cast<std::uint32_t>(y > 0.0);
    const std::uint32_t up_lo = static_cast<std::uint32_t>(rd + 1.0 <= f2);
    const std::uint32_t tie_lo = draws_lo & static_cast<std::uint32_t>(rd <= f2) & (up_lo ^ 1);
    const std::uint32_t m = 0u - upper;  // all ones for the upper case
    const std::uint32_t index = ((eb - lowest + 1 + up_up) & m) | (up_lo & ~m);
    const std::uint32_t draws = (draws_up & m) | (draws_lo & ~m);
    const std::uint32_t sign = static_cast<std::uint32_t>(std::bit_cast<std::uint64_t>(v) >> 63) &
                               static_cast<std::uint32_t>(index != 0);
    codes[j] = sign | (index << 1);
    need[j] = draws;
    irregular |= (tie_up & m) | (tie_lo & ~m);
    skipped |= draws ^ 1;
  }
  return (irregular != 0 ? kChunkIrregular : 0) | (skipped != 0 ? kChunkSkippedDraws : 0);
}

class NaturalDithering final : public CodecOf<NaturalDithering> {
 public:
  NaturalDithering(bool inf_norm, unsigned s, Precision p)
      : inf_norm_(inf_norm), s_(s), precision_(p), index_bits_(bits_for_index(s + 1)) {}
  std::string name() const override { return "natural_dithering"; }
  std::string spec() const override {
    return std::string("natural_dithering:p=") + (inf_norm_ ? "inf" : "2") +
           ",s=" + std::to_string(s_) + ",precision=" + std::to_string(precision_bits(precision_));
  }
  CodecId id() const override { return CodecId::natural_dithering; }
  CompressorProperties properties(std::size_t d) const override {
    // §1.9 with r = min(p, 2) = 2. Derivation (checked): within [2^e, 2^(e+1)] the variance of
    // the rounding is at most y^2/8 of the entry; below the smallest level L = 2^(1-s) it is
    // min(y L, L^2/4) ||x||_p^2, which sums to at most min(sqrt(d) L, d L^2 / 4) ||x||_2^2 since
    // ||x||_1 <= sqrt(d) ||x||_2 and ||x||_p <= ||x||_2.
    const double t = std::sqrt(static_cast<double>(d)) * std::ldexp(1.0, 1 - static_cast<int>(s_));
    CompressorProperties p;
    p.unbiased = true;
    p.omega = 1.0 / 8.0 + t * std::min(1.0, t);
    p.delta = CompressorProperties::none;
    p.expected_density = static_cast<double>(d);
    return p;
  }

  template <class T>
  void encode_as(std::span<const T> x, Rng& rng, Message& out) const {
    const double norm = round_up_to_wire(inf_norm_ ? checked_max_abs(x, "natural_dithering")
                                                   : checked_l2_norm(x, "natural_dithering"),
                                         precision_, "natural_dithering", "the norm");
    const unsigned width = 1 + index_bits_;
    NaturalDitheringScratch& scratch = thread_scratch<NaturalDitheringScratch>();
    BitPacker pk(std::move(scratch.words), x.size() * width);
    if (norm == 0.0) {
      for (std::size_t i = 0; i < x.size(); ++i) pk.put(0, width);
    } else {
      std::uint32_t codes[kDrawChunk];
      draw_in_chunks(
          rng, x.size(),
          [&](std::size_t lo, std::size_t n, const std::uint32_t* words, std::uint32_t* need) {
            const auto lowest = static_cast<std::uint32_t>(lowest_biased());
            const std::size_t vec = cpu_has_avx2() ? n / 8 * 8 : 0;
            unsigned flags = 0;
            if (vec > 0) {
              flags = dithering_codes_avx2(x.data() + lo, vec, norm, lowest, below_scale(), words,
                                           need, codes);
            }
            return flags | dithering_codes(x.data() + lo + vec, n - vec, norm, lowest,
                                           below_scale(), words + vec, need + vec, codes + vec);
          },
          [&](std::size_t lo, std::size_t n) {
            for (std::size_t i = 0; i < n; ++i) codes[i] = code_of(x[lo + i], norm, rng);
          },
          [&](std::size_t, std::size_t n) { pk.put_fixed(codes, n, width); });
    }
    BitWriter w(std::move(out.bytes));
    w.reserve_bits(128 + pk.bits());
    std::uint64_t header = write_header(w, id(), x.size());
    write_value(w, norm, precision_);
    std::size_t nbits = pk.bits();
    w.write_words(pk.finish(), nbits);
    scratch.words = pk.release();
    finish_message(w, header, out);
  }

  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    BitReader r(bytes);
    read_header(r, id(), acc.size());
    const unsigned width = 1 + index_bits_;
    const std::size_t nbits = acc.size() * width;
    require_bits(r, precision_bits(precision_) + nbits, "norm and levels");
    const double norm = read_value(r, precision_, "norm");
    if (!(norm >= 0.0 && norm <= std::numeric_limits<double>::max())) {
      throw DecodeError("malformed natural_dithering message: norm " + std::to_string(norm) +
                        " is not a finite non-negative number");
    }
    std::vector<std::uint64_t>& words = thread_scratch<NaturalDitheringScratch>().words;
    words.resize(nbits / 64 + 1);
    r.read_words(words, nbits, "levels");
    r.expect_end("levels");
    {
      BitUnpacker u(words, nbits);
      bool bad = false;
      for (std::size_t i = 0; i < acc.size(); ++i) {
        std::uint64_t code = u.get_unchecked(width);
        bad |= (code >> 1) > s_ || code == 1;  // index beyond s, or a negative zero
      }
      if (bad) {
        throw DecodeError("malformed natural_dithering message: a level index exceeds s = " +
                          std::to_string(s_) + " or a zero carries a sign");
      }
    }
    // Level c >= 1 is norm * 2^(c-s); precomputed so that the loop is a table look-up.
    std::array<double, kMaxLevels + 1> level{};
    for (unsigned c = 1; c <= s_; ++c) {
      level[c] = norm * std::ldexp(1.0, static_cast<int>(c) - static_cast<int>(s_));
    }
    BitUnpacker u(words, nbits);
    for (T& a : acc) {
      std::uint64_t code = u.get_unchecked(width);
      double v = level[code >> 1];
      accumulate(a, scale * ((code & 1) ? -v : v));
    }
  }

 private:
  // Levels 2^k for k in [1-s, 0] have index k + s; read k and the position between two levels
  // straight from the bits of y (exponent and mantissa). Biased exponent of the lowest level
  // 2^(1-s), and 1 / 2^(1-s).
  std::uint64_t lowest_biased() const {
    return static_cast<std::uint64_t>(1023 + 1 - static_cast<int>(s_));
  }
  double below_scale() const { return std::ldexp(1.0, static_cast<int>(s_) - 1); }

  // The code (sign | index << 1) of entry e for norm > 0, drawing from rng: the reference
  // per-entry rule.
  template <class T>
  std::uint32_t code_of(T e, double norm, Rng& rng) const {
    const double v = e;
    const double y = std::fabs(v) / norm;  // in [0, 1] since norm >= max |x_j|
    const auto bits = std::bit_cast<std::uint64_t>(y);
    const std::uint64_t eb = bits >> 52;
    std::uint64_t index;
    if (eb >= lowest_biased()) {
      // y in [2^k, 2^(k+1)), k = eb - 1023: level 2^(k+1) with probability (mantissa);
      // y == 1 has mantissa 0 and never rounds above 1.
      index = eb - lowest_biased() + 1 +
              (bernoulli_mantissa52(rng, bits & ((std::uint64_t{1} << 52) - 1)) ? 1 : 0);
    } else {
      // below the smallest level 2^(1-s) (includes 0): that level or 0
      index = bernoulli_exact(rng, y * below_scale()) ? 1 : 0;
    }
    const std::uint64_t sign = index == 0 ? 0 : (std::signbit(v) ? 1 : 0);
    return static_cast<std::uint32_t>(sign | (index << 1));
  }

  // Per-thread packed words (thread_scratch.hpp): the packer's output on encode, the payload's
  // words on decode.
  struct NaturalDitheringScratch {
    std::vector<std::uint64_t> words;
  };

  bool inf_norm_;
  unsigned s_;
  Precision precision_;
  unsigned index_bits_;
};

}  // namespace

CodecInfo natural_dithering_codec_info() {
  CodecInfo info;
  info.name = "natural_dithering";
  info.summary =
      "natural dithering D_nat^{p,s}: random rounding of x/||x||_p to 0 or a power of two";
  info.theory =
      "unbiased, omega = 1/8 + d^(1/2) 2^(1-s) min{1, d^(1/2) 2^(1-s)} (r = min(p,2) = 2), "
      "density <= d";
  info.wire_bits = "precision + d * (1 + ceil(log2(s+1)))";
  info.params = {{"p", "2", "norm: 2 (Euclidean) or inf (max-norm)"},
                 {"s", "8", "number of non-zero levels 2^(1-s), ..., 1/2, 1; integer in [1, 64]"},
                 precision_param()};
  info.examples = {"natural_dithering", "natural_dithering:p=inf,s=3",
                   "natural_dithering:p=2,s=1,precision=64"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    std::string p = spec.get_string("p", "2");
    if (p != "2" && p != "inf") spec.fail("p", "2 or inf");
    std::uint64_t s = spec.get_uint("s", 8);
    if (s < 1 || s > kMaxLevels) spec.fail("s", "an integer in [1, 64]");
    return std::make_shared<NaturalDithering>(p == "inf", static_cast<unsigned>(s),
                                              parse_precision(spec));
  };
  return info;
}

}  // namespace dcopt

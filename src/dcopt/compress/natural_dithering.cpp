#include "dcopt/compress/natural_dithering.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <limits>
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

constexpr std::uint64_t kMaxLevels = 64;

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
      // Levels 2^k for k in [1-s, 0] have index k + s; read k and the position between two
      // levels straight from the bits of y (exponent and mantissa).
      const std::uint64_t lowest_biased =
          static_cast<std::uint64_t>(1023 + 1 - static_cast<int>(s_));
      const double below_scale = std::ldexp(1.0, static_cast<int>(s_) - 1);  // 1 / 2^(1-s)
      for (T e : x) {
        const double v = e;
        const double y = std::fabs(v) / norm;  // in [0, 1] since norm >= max |x_j|
        const auto bits = std::bit_cast<std::uint64_t>(y);
        const std::uint64_t eb = bits >> 52;
        std::uint64_t index;
        if (eb >= lowest_biased) {
          // y in [2^k, 2^(k+1)), k = eb - 1023: level 2^(k+1) with probability (mantissa);
          // y == 1 has mantissa 0 and never rounds above 1.
          index = eb - lowest_biased + 1 +
                  (bernoulli_mantissa52(rng, bits & ((std::uint64_t{1} << 52) - 1)) ? 1 : 0);
        } else {
          // below the smallest level 2^(1-s) (includes 0): that level or 0
          index = bernoulli_exact(rng, y * below_scale) ? 1 : 0;
        }
        const std::uint64_t sign = index == 0 ? 0 : (std::signbit(v) ? 1 : 0);
        pk.put(sign | (index << 1), width);
      }
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

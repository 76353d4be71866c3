#include "dcopt/compress/scaled_sign.hpp"

#include <cfloat>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/quant_support.hpp"
#include "dcopt/compress/sign_words_l1.hpp"
#include "dcopt/compress/thread_scratch.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

// The sign words and the l1 norm (into *l1, in this order of additions) of `full` blocks of
// 64 entries: the portable loop. CPUs with AVX2 run sign_words_l1_avx2 instead (the same bits,
// with movemask for the signs; sign_words_l1.hpp). Returns 0.
template <class T>
unsigned signs_and_l1(const T* __restrict x, std::size_t full, std::uint64_t* __restrict words,
                      double* l1) {
  double sum = *l1;
  for (std::size_t b = 0; b < full; ++b) {
    const T* p = x + 64 * b;
    std::uint64_t m = 0;
    for (unsigned k = 0; k < 64; ++k) m |= static_cast<std::uint64_t>(p[k] < T{0}) << k;
    // Eight partial sums break the add latency chain and let the loop vectorize.
    double s[8] = {};
    for (unsigned k = 0; k < 64; k += 8) {
      for (unsigned i = 0; i < 8; ++i) s[i] += std::fabs(static_cast<double>(p[k + i]));
    }
    words[b] = m;
    sum += ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  }
  *l1 = sum;
  return 0;
}

class ScaledSign final : public CodecOf<ScaledSign> {
 public:
  explicit ScaledSign(Precision p) : precision_(p) {}
  std::string name() const override { return "scaled_sign"; }
  std::string spec() const override {
    return "scaled_sign:precision=" + std::to_string(precision_bits(precision_));
  }
  CodecId id() const override { return CodecId::scaled_sign; }
  CompressorProperties properties(std::size_t d) const override {
    CompressorProperties p;
    p.unbiased = false;
    p.omega = CompressorProperties::none;
    p.delta = static_cast<double>(d) / (1.0 - 0x1p-46);
    p.expected_density = static_cast<double>(d);
    p.deterministic = true;
    return p;
  }

  template <class T>
  void encode_as(std::span<const T> x, Rng&, Message& out) const {
    const std::size_t d = x.size();
    std::vector<std::uint64_t>& words = thread_scratch<ScaledSignScratch>().words;
    words.resize((d + 63) / 64);
    // One pass: the l1 norm and the sign bits (which do not depend on the scale), one word per
    // block of 64 entries.
    double l1 = 0.0;
    const std::size_t full = d / 64;
    if (cpu_has_avx2()) {
      sign_words_l1_avx2(x.data(), full, words.data(), &l1);
    } else {
      signs_and_l1(x.data(), full, words.data(), &l1);
    }
    if (d % 64 != 0) {
      std::uint64_t m = 0;
      for (std::size_t j = 64 * full; j < d; ++j) {
        m |= static_cast<std::uint64_t>(x[j] < T{0}) << (j % 64);
        l1 += std::fabs(static_cast<double>(x[j]));
      }
      words[full] = m;
    }
    double mean = d == 0 ? 0.0 : l1 / static_cast<double>(d);
    if (!(l1 <= DBL_MAX)) {
      require_finite_input(x, "scaled_sign");
      // Finite entries whose sum overflows: average the scaled-down magnitudes instead.
      mean = 0.0;
      for (T v : x) mean += std::fabs(static_cast<double>(v)) / static_cast<double>(d);
    }
    const double wire_scale = wire_round_checked(mean);
    BitWriter w(std::move(out.bytes));
    w.reserve_bits(128 + d);
    std::uint64_t header = write_header(w, id(), d);
    write_value(w, wire_scale, precision_);
    w.write_words(words, d);
    finish_message(w, header, out);
  }

  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    BitReader r(bytes);
    const std::size_t d = acc.size();
    read_header(r, id(), d);
    require_bits(r, precision_bits(precision_) + d, "scale and signs");
    const double c = read_value(r, precision_, "scale");
    if (!(c >= 0.0 && c <= std::numeric_limits<double>::max())) {
      throw DecodeError("malformed scaled_sign message: scale " + std::to_string(c) +
                        " is not a finite non-negative number");
    }
    std::vector<std::uint64_t>& words = thread_scratch<ScaledSignScratch>().words;
    words.resize((d + 63) / 64 + 1);
    r.read_words(words, d, "signs");
    r.expect_end("signs");
    const double pos = scale * c, neg = -(scale * c);
    // Four entries per table look-up (16 patterns of four signs): plain adds that vectorize,
    // instead of a per-bit select.
    double table[16][4];
    for (unsigned n = 0; n < 16; ++n) {
      for (unsigned k = 0; k < 4; ++k) table[n][k] = ((n >> k) & 1) ? neg : pos;
    }
    const std::size_t quads = d / 4;
    for (std::size_t g = 0; g < quads; ++g) {
      const double* t = table[(words[g / 16] >> (4 * (g % 16))) & 15];
      T* a = acc.data() + 4 * g;
      for (unsigned k = 0; k < 4; ++k) accumulate(a[k], t[k]);
    }
    for (std::size_t j = 4 * quads; j < d; ++j) {
      accumulate(acc[j], ((words[j / 64] >> (j % 64)) & 1) ? neg : pos);
    }
  }

 private:
  // Per-thread sign words (thread_scratch.hpp), on encode and on decode.
  struct ScaledSignScratch {
    std::vector<std::uint64_t> words;
  };

  // Nearest rounding (not upward): the scale is not a bound on the entries, and nearest keeps
  // the relative error, hence the delta margin, smallest.
  double wire_round_checked(double v) const {
    if (precision_ == Precision::fp32 && v > static_cast<double>(FLT_MAX)) {
      throw InvalidArgument("codec '" + spec() + "': the scale ||x||_1/d = " + std::to_string(v) +
                            " exceeds the fp32 range of the wire; use precision=64");
    }
    return wire_round(v, precision_);
  }

  Precision precision_;
};

}  // namespace

CodecInfo scaled_sign_codec_info() {
  CodecInfo info;
  info.name = "scaled_sign";
  info.summary = "scaled sign (EF-signSGD): (||x||_1 / d) sign(x), sign(0) = +";
  info.theory =
      "biased, deterministic, contractive: ||C(x)-x||^2 = (1 - ||x||_1^2/(d||x||^2)) ||x||^2, "
      "delta = d (declared d/(1-2^-46) for the rounding of the scale), density d";
  info.wire_bits = "precision + d";
  info.params = {precision_param()};
  info.examples = {"scaled_sign", "scaled_sign:precision=64"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    return std::make_shared<ScaledSign>(parse_precision(spec));
  };
  return info;
}

}  // namespace dcopt

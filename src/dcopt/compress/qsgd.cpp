#include "dcopt/compress/qsgd.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/qsgd_avx2.hpp"
#include "dcopt/compress/quant_support.hpp"
#include "dcopt/compress/thread_scratch.hpp"
#include "dcopt/core/bit_pack.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

constexpr std::uint64_t kMaxLevels = std::uint64_t{1} << 24;

// The exact loop's levels (sign | level << 1, 0 for level 0) for n entries, entry j drawing
// words[j] (draw_in_chunks); ties are irregular. Not for a tiny norm (s / norm overflows).
// t <= s <= 2^24, so floor(t) is the int32 truncation of t >= 0. The portable kernel; CPUs with
// AVX2 run qsgd_levels_avx2 (the same bits, qsgd_avx2.hpp) on all but the last n % 4 entries.
template <class T>
unsigned qsgd_levels(const T* __restrict x, std::size_t n, double s_over_norm, double s_double,
                     const std::uint32_t* __restrict words, std::uint32_t* __restrict need,
                     std::uint32_t* __restrict levels) {
  std::uint32_t irregular = 0, skipped = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const double xj = x[j];
    const double t = std::min(std::fabs(xj) * s_over_norm, s_double);
    const auto whole = static_cast<std::int32_t>(t);
    const double frac = t - static_cast<double>(whole);
    const double f2 = frac * 0x1p32;  // exact
    const double rd = static_cast<double>(words[j]);
    const std::uint32_t draws = static_cast<std::uint32_t>(frac > 0.0);
    const std::uint32_t up = static_cast<std::uint32_t>(rd + 1.0 <= f2);
    const std::uint32_t tie = draws & static_cast<std::uint32_t>(rd <= f2) & (up ^ 1);
    const std::uint32_t level = static_cast<std::uint32_t>(whole) + up;
    const auto sign = static_cast<std::uint32_t>(std::bit_cast<std::uint64_t>(xj) >> 63);
    levels[j] = ((level << 1) | sign) & (0u - static_cast<std::uint32_t>(level != 0));
    need[j] = draws;
    irregular |= tie;
    skipped |= draws ^ 1;
  }
  return (irregular != 0 ? kChunkIrregular : 0) | (skipped != 0 ? kChunkSkippedDraws : 0);
}

class Qsgd final : public CodecOf<Qsgd> {
 public:
  Qsgd(std::uint32_t s, bool elias, Precision p)
      : s_(s), elias_(elias), precision_(p), level_bits_(bits_for_index(std::uint64_t{s} + 1)) {}
  std::string name() const override { return "qsgd"; }
  std::string spec() const override {
    return "qsgd:s=" + std::to_string(s_) + ",coding=" + (elias_ ? "elias" : "fixed") +
           ",precision=" + std::to_string(precision_bits(precision_));
  }
  CodecId id() const override { return CodecId::qsgd; }
  CompressorProperties properties(std::size_t d) const override {
    const double dd = static_cast<double>(d), s = static_cast<double>(s_);
    CompressorProperties p;
    p.unbiased = true;
    p.omega = std::min(dd / (s * s), std::sqrt(dd) / s);
    p.delta = CompressorProperties::none;
    p.expected_density = std::min(dd, s * (s + std::sqrt(dd)));
    return p;
  }

  template <class T>
  void encode_as(std::span<const T> x, Rng& rng, Message& out) const {
    const double norm =
        round_up_to_wire(checked_l2_norm(x, "qsgd"), precision_, "qsgd", "the norm");
    const std::size_t d = x.size();
    QsgdScratch& scratch = thread_scratch<QsgdScratch>();
    BitPacker pk(std::move(scratch.words), elias_ ? 0 : d * (1 + level_bits_));
    std::uint64_t nnz = 0;
    if (norm > 0.0) {
      const double s_double = static_cast<double>(s_);
      const double s_over_norm = s_double / norm;
      // A norm below s * 2^-1024 (a subnormal fp64 norm) makes s / norm overflow, and
      // 0 * inf is NaN; then |x_j| / norm (<= 1) is scaled instead. Only that case takes the
      // second form, so every other input keeps its bits.
      const bool tiny_norm = !std::isfinite(s_over_norm);
      std::uint32_t levels[kDrawChunk];  // sign | level << 1, 0 for level 0
      std::size_t last = 0;              // position after the previous non-zero
      auto exact = [&](std::size_t lo, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
          const double xj = x[lo + i];
          // s |x_j| / norm <= s in exact arithmetic; the clamp only undoes a rounding of the
          // product above s, which would otherwise allow the level s + 1.
          const double scaled =
              tiny_norm ? std::fabs(xj) / norm * s_double : std::fabs(xj) * s_over_norm;
          const double t = std::min(scaled, s_double);
          const double fl = std::floor(t);
          const auto level =
              static_cast<std::uint32_t>(fl) + (bernoulli_exact(rng, t - fl) ? 1 : 0);
          const std::uint32_t sign = std::signbit(xj) ? 1 : 0;
          levels[i] = level == 0 ? 0 : sign | (level << 1);
        }
      };
      auto emit = [&](std::size_t lo, std::size_t n) {
        if (!elias_) {
          pk.put_fixed(levels, n, 1 + level_bits_);
          return;
        }
        // Most levels of a long vector are 0 (expected density s (s + sqrt(d)) / d): groups of
        // 8 zeros are skipped with one test.
        for (std::size_t g = 0; g < n; g += 8) {
          const std::size_t end = std::min(n, g + 8);
          std::uint32_t any = 0;
          for (std::size_t i = g; i < end; ++i) any |= levels[i];
          if (any == 0) continue;
          for (std::size_t i = g; i < end; ++i) {
            if (levels[i] == 0) continue;
            const std::size_t j = lo + i;
            pk.put_gamma(j + 1 - last);
            pk.put(levels[i] & 1, 1);
            pk.put_gamma(levels[i] >> 1);
            last = j + 1;
            ++nnz;
          }
        }
      };
      if (tiny_norm) {
        // The rare second form: per entry, as drawn.
        for (std::size_t lo = 0; lo < d; lo += kDrawChunk) {
          const std::size_t n = std::min(kDrawChunk, d - lo);
          exact(lo, n);
          emit(lo, n);
        }
      } else {
        draw_in_chunks(
            rng, d,
            [&](std::size_t lo, std::size_t n, const std::uint32_t* words, std::uint32_t* need) {
              const std::size_t vec = cpu_has_avx2() ? n / 4 * 4 : 0;
              unsigned flags = 0;
              if (vec > 0) {
                flags = qsgd_levels_avx2(x.data() + lo, vec, s_over_norm, s_double, words, need,
                                         levels);
              }
              return flags | qsgd_levels(x.data() + lo + vec, n - vec, s_over_norm, s_double,
                                         words + vec, need + vec, levels + vec);
            },
            exact, emit);
      }
    } else if (!elias_) {
      for (std::size_t j = 0; j < d; ++j) pk.put(0, 1 + level_bits_);
    }
    BitWriter w(std::move(out.bytes));
    w.reserve_bits(160 + pk.bits());
    std::uint64_t header = write_header(w, id(), d);
    write_value(w, norm, precision_);
    if (elias_) w.write_varint(nnz);
    std::size_t nbits = pk.bits();
    w.write_words(pk.finish(), nbits);
    scratch.words = pk.release();
    finish_message(w, header, out);
  }

  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    BitReader r(bytes);
    const std::size_t d = acc.size();
    read_header(r, id(), d);
    require_bits(r, precision_bits(precision_), "norm");
    const double norm = read_value(r, precision_, "norm");
    if (!(norm >= 0.0 && norm <= std::numeric_limits<double>::max())) {
      throw DecodeError("malformed qsgd message: norm " + std::to_string(norm) +
                        " is not a finite non-negative number");
    }
    const double unit = norm / static_cast<double>(s_);  // value of level 1
    if (elias_) {
      decode_elias(r, unit, scale, acc);
    } else {
      decode_fixed(r, unit, scale, acc);
    }
  }

 private:
  // Per-thread buffers (thread_scratch.hpp): packed words (the packer's output on encode, the
  // payload's words on decode) and the parsed non-zeros of an Elias-coded message.
  struct QsgdScratch {
    std::vector<std::uint64_t> words;
    std::vector<std::size_t> pos;
    std::vector<double> val;
  };

  template <class T>
  void decode_fixed(BitReader& r, double unit, double scale, std::span<T> acc) const {
    const unsigned width = 1 + level_bits_;
    const std::size_t nbits = acc.size() * width;
    std::vector<std::uint64_t>& words = thread_scratch<QsgdScratch>().words;
    words.resize(nbits / 64 + 1);
    r.read_words(words, nbits, "levels");
    r.expect_end("levels");
    {
      BitUnpacker u(words, nbits);
      bool bad = false;
      for (std::size_t i = 0; i < acc.size(); ++i) {
        std::uint64_t code = u.get_unchecked(width);
        bad |= (code >> 1) > s_ || code == 1;
      }
      if (bad) {
        throw DecodeError("malformed qsgd message: a level exceeds s = " + std::to_string(s_) +
                          " or a zero carries a sign");
      }
    }
    BitUnpacker u(words, acc.size() * width);
    for (T& a : acc) {
      std::uint64_t code = u.get_unchecked(width);
      double v = static_cast<double>(code >> 1) * unit;
      accumulate(a, scale * ((code & 1) ? -v : v));
    }
  }

  template <class T>
  void decode_elias(BitReader& r, double unit, double scale, std::span<T> acc) const {
    const std::uint64_t nnz = r.read_varint("number of non-zeros");
    if (nnz > acc.size()) {
      throw DecodeError("malformed qsgd message: " + std::to_string(nnz) +
                        " non-zeros in dimension " + std::to_string(acc.size()));
    }
    // Each non-zero takes at least 3 bits (gap, sign, level).
    require_bits(r, 3 * nnz, "non-zero entries");
    QsgdScratch& scratch = thread_scratch<QsgdScratch>();
    const std::size_t nbits = r.remaining();
    std::vector<std::uint64_t>& words = scratch.words;
    words.resize(nbits / 64 + 1);
    r.read_words(words, nbits, "non-zero entries");
    BitUnpacker u(words, nbits);
    // Parse and validate everything first, so a bad message leaves acc unchanged.
    std::vector<std::size_t>& pos = scratch.pos;
    std::vector<double>& val = scratch.val;
    pos.resize(nnz);
    val.resize(nnz);
    std::size_t next = 0;  // smallest position the next non-zero may take
    for (std::uint64_t k = 0; k < nnz; ++k) {
      std::uint64_t gap = u.get_gamma("position gap");
      if (gap > acc.size() - next) {
        throw DecodeError("malformed qsgd message: non-zero position beyond dimension " +
                          std::to_string(acc.size()));
      }
      next += gap;
      bool negative = u.get(1, "sign") != 0;
      std::uint64_t level = u.get_gamma("level");
      if (level > s_) {
        throw DecodeError("malformed qsgd message: level " + std::to_string(level) +
                          " exceeds s = " + std::to_string(s_));
      }
      pos[k] = next - 1;
      double v = static_cast<double>(level) * unit;
      val[k] = negative ? -v : v;
    }
    // Only zero padding up to the byte boundary may follow (rejects oversized messages).
    if (u.remaining() >= 8 ||
        (u.remaining() > 0 && u.get(static_cast<unsigned>(u.remaining()), "padding") != 0)) {
      throw DecodeError("malformed qsgd message: " + std::to_string(u.remaining()) +
                        " unexpected trailing bits after the non-zero entries");
    }
    for (std::uint64_t k = 0; k < nnz; ++k) accumulate(acc[pos[k]], scale * val[k]);
  }

  std::uint32_t s_;
  bool elias_;
  Precision precision_;
  unsigned level_bits_;
};

}  // namespace

CodecInfo qsgd_codec_info() {
  CodecInfo info;
  info.name = "qsgd";
  info.summary =
      "QSGD / standard dithering: random rounding of s |x_j| / ||x||_2 to an integer level";
  info.theory =
      "unbiased, omega = min(d/s^2, sqrt(d)/s), expected density <= min(d, s(s + sqrt(d)))";
  info.wire_bits =
      "coding=fixed: precision + d (1 + ceil(log2(s+1))); coding=elias: precision + varint(nnz) + "
      "sum over non-zeros of (gamma(gap) + 1 + gamma(level)), gamma(n) = 2 floor(log2 n) + 1";
  info.params = {
      {"s", "16", "number of quantization levels (levels 0, 1/s, ..., 1); integer in [1, 2^24]"},
      {"coding", "elias",
       "elias (Elias gamma of gaps and levels of the non-zeros) or "
       "fixed (1 + ceil(log2(s+1)) bits per entry)"},
      precision_param()};
  info.examples = {"qsgd", "qsgd:s=1", "qsgd:s=4,coding=fixed", "qsgd:s=256,precision=64"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    std::uint64_t s = spec.get_uint("s", 16);
    if (s < 1 || s > kMaxLevels) spec.fail("s", "an integer in [1, 16777216]");
    std::string coding = spec.get_string("coding", "elias");
    if (coding != "elias" && coding != "fixed") spec.fail("coding", "elias or fixed");
    return std::make_shared<Qsgd>(static_cast<std::uint32_t>(s), coding == "elias",
                                  parse_precision(spec));
  };
  return info;
}

}  // namespace dcopt

#include "dcopt/compress/int8.hpp"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <sstream>
#include <type_traits>
#include <utility>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/int8_stochastic_avx2.hpp"
#include "dcopt/compress/quant_support.hpp"
#include "dcopt/compress/thread_scratch.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

constexpr std::uint64_t kMaxBlock = std::uint64_t{1} << 30;
// Adding then subtracting 1.5 * 2^52 rounds a double of magnitude < 2^51 to the nearest integer
// (ties to even) in the default rounding mode; unlike std::nearbyint it vectorizes on baseline
// x86-64.
constexpr double kRoundMagic = 0x1.8p52;

// The stochastic rounding loop for m entries, entry j drawing words[j] (draw_in_chunks); ties
// are irregular. The portable kernel; CPUs with AVX2 run int8_stochastic_codes_avx2 (the same
// bits, int8_stochastic_avx2.hpp). |v| <= 127, so floor(v) is the int32 truncation minus 1 where
// that is above v (for v = -0 this gives +0 where std::floor gives -0; either way the fraction is a
// zero that draws nothing and the code is 0).
template <class T>
unsigned int8_stochastic_codes(const T* __restrict p, std::size_t m, double inv,
                               const std::uint32_t* __restrict words,
                               std::uint32_t* __restrict need, std::int8_t* __restrict q) {
  // Codes as int32 first: GCC does not vectorize a loop storing int8 from 2-lane double
  // vectors; the narrowing copy at the end vectorizes on its own. (m <= kDrawChunk.)
  std::int32_t k[kDrawChunk];
  std::uint32_t irregular = 0, skipped = 0;
  for (std::size_t j = 0; j < m; ++j) {
    // The exact loop clamps p[j] * inv to [-127, 127]; it can exceed 127 only by a rounding
    // (|p[j]| <= scale), and such entries are left to it, so that no clamp (a select GCC does
    // not if-convert here) is needed.
    const double v = static_cast<double>(p[j]) * inv;
    const auto whole = static_cast<std::int32_t>(v);
    const std::int32_t below = whole - static_cast<std::int32_t>(static_cast<double>(whole) > v);
    const double frac = v - static_cast<double>(below);
    const double f2 = frac * 0x1p32;  // exact
    const double rd = static_cast<double>(words[j]);
    const std::uint32_t draws = static_cast<std::uint32_t>(frac > 0.0);
    const std::uint32_t up = static_cast<std::uint32_t>(rd + 1.0 <= f2);
    const std::uint32_t tie = draws & static_cast<std::uint32_t>(rd <= f2) & (up ^ 1);
    k[j] = below + static_cast<std::int32_t>(up);
    need[j] = draws;
    // A negative v less than 2^-54 above the integer below it rounds v - fl up to exactly 1,
    // outside bernoulli_exact's [0, 1): the exact loop keeps what it has always done there.
    irregular |= tie | static_cast<std::uint32_t>(frac >= 1.0) |
                 static_cast<std::uint32_t>(v > 127.0) | static_cast<std::uint32_t>(v < -127.0);
    skipped |= draws ^ 1;
  }
  for (std::size_t j = 0; j < m; ++j) q[j] = static_cast<std::int8_t>(k[j]);
  return (irregular != 0 ? kChunkIrregular : 0) | (skipped != 0 ? kChunkSkippedDraws : 0);
}

// The largest |p[j]| bit pattern (sign masked) of n floats: for non-negative floats the
// patterns order like the values, and inf/NaN patterns exceed every finite one. Eight
// independent maxima keep the loop from waiting on one compare chain.
DCOPT_KERNEL_INLINE unsigned float_abs_max_bits(const float* __restrict p, std::size_t n) {
  std::int32_t mb[8] = {};
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (unsigned k = 0; k < 8; ++k) {
      mb[k] = std::max(mb[k], std::bit_cast<std::int32_t>(p[j + k]) & 0x7FFF'FFFF);
    }
  }
  for (; j < n; ++j) mb[0] = std::max(mb[0], std::bit_cast<std::int32_t>(p[j]) & 0x7FFF'FFFF);
  return static_cast<unsigned>(*std::max_element(mb, mb + 8));
}

DCOPT_AVX2_KERNEL(float_abs_max_bits)

// Round-to-nearest codes of n entries (the AVX2 copy does the same double arithmetic on 4
// lanes instead of 2). Returns 0 (DCOPT_AVX2_KERNEL's kernels return a value).
template <class T>
DCOPT_KERNEL_INLINE unsigned int8_nearest_codes(const T* __restrict p, std::size_t n, double inv,
                                                std::int8_t* __restrict q) {
  for (std::size_t j = 0; j < n; ++j) {
    const double v = (static_cast<double>(p[j]) * inv + kRoundMagic) - kRoundMagic;
    q[j] = static_cast<std::int8_t>(static_cast<int>(v));
  }
  return 0;
}

DCOPT_AVX2_KERNEL(int8_nearest_codes)

class Int8 final : public CodecOf<Int8> {
 public:
  Int8(std::size_t block, bool stochastic) : block_(block), stochastic_(stochastic) {}
  std::string name() const override { return "int8"; }
  std::string spec() const override {
    return "int8:block=" + std::to_string(block_) +
           ",rounding=" + (stochastic_ ? "stochastic" : "nearest");
  }
  CodecId id() const override { return CodecId::int8; }
  CompressorProperties properties(std::size_t d) const override {
    const double b = static_cast<double>(std::max<std::size_t>(1, std::min(block_, d)));
    const double slack = 0x1p-24;
    CompressorProperties p;
    p.expected_density = static_cast<double>(d);
    if (stochastic_) {
      p.unbiased = true;
      p.omega = (b - 1.0) / 64516.0 * (1.0 + 0x1p-20) + slack;
      p.delta = CompressorProperties::none;
    } else {
      p.deterministic = true;
      double shrink = std::min((b - 1.0) / 64516.0 * (1.0 + 0x1p-20), 1.0 - 1.0 / b) + slack;
      p.delta = 1.0 / (1.0 - shrink);
    }
    return p;
  }

  template <class T>
  void encode_as(std::span<const T> x, Rng& rng, Message& m) const {
    const std::size_t d = x.size();
    const std::size_t nblocks = (d + block_ - 1) / block_;
    // The header, the fp32 scales (one per block) and the codes (one byte per entry) are all
    // whole bytes, so the message is sized once and each block is scaled then coded while it is
    // still in cache: one pass over x from memory instead of two. Scales go to their place
    // up front, as write_f32 would write them (little-endian). Every byte is written below, so
    // the previous message's storage (a reused Message) is resized, not cleared: only a buffer
    // that grows is zero-filled (a BitWriter would clear it and zero all of it again). The
    // header is written by a BitWriter of its own, into a per-thread buffer.
    static_assert(std::endian::native == std::endian::little, "int8 encode assumes little-endian");
    std::vector<std::uint8_t> bytes = std::move(m.bytes);
    std::vector<std::uint8_t>& head = thread_scratch<Int8Scratch>().header;
    BitWriter hw(std::move(head));
    const std::uint64_t header = write_header(hw, id(), d);  // whole bytes
    head = hw.take();
    bytes.resize(head.size() + 4 * nblocks + d);
    std::memcpy(bytes.data(), head.data(), head.size());
    std::uint8_t* scale_bytes = bytes.data() + head.size();
    auto* codes = reinterpret_cast<std::int8_t*>(scale_bytes + 4 * nblocks);  // char may alias
    for (std::size_t b = 0; b < nblocks; ++b) {
      const std::size_t lo = b * block_, n = std::min(block_, d - lo);
      const float scale = block_scale(x, lo, n, b);
      std::memcpy(scale_bytes + 4 * b, &scale, 4);
      if (scale == 0.0f) {
        std::memset(codes + lo, 0, n);  // codes 0
        continue;
      }
      const T* p = x.data() + lo;
      std::int8_t* q = codes + lo;
      const double inv = 127.0 / static_cast<double>(scale);
      if (!stochastic_) {
        // |p[j]| <= scale, so |p[j] * inv| <= 127 (1 + 2^-51) after the two roundings, which
        // rounds to at most 127: no clamp needed.
        DCOPT_CALL_KERNEL(int8_nearest_codes, p, n, inv, q);
      } else {
        // The kernels store the codes straight into the message (an irregular chunk is then
        // recoded in place by the per-entry loop): nothing left for draw_in_chunks' emit.
        draw_in_chunks(
            rng, n,
            [&](std::size_t c, std::size_t m, const std::uint32_t* words, std::uint32_t* need) {
              return cpu_has_avx2() ? int8_stochastic_codes_avx2(p + c, m, inv, words, need, q + c)
                                    : int8_stochastic_codes(p + c, m, inv, words, need, q + c);
            },
            [&](std::size_t c, std::size_t m) {
              for (std::size_t j = 0; j < m; ++j) {
                double v = std::min(127.0, std::max(-127.0, static_cast<double>(p[c + j]) * inv));
                double fl = std::floor(v);
                q[c + j] = static_cast<std::int8_t>(static_cast<int>(fl) +
                                                    (bernoulli_exact(rng, v - fl) ? 1 : 0));
              }
            },
            [](std::size_t, std::size_t) {});
      }
    }
    m.bits = 8 * bytes.size();
    m.header_bits = header;
    m.bytes = std::move(bytes);
  }

  template <class T>
  void decode_add_as(std::span<const std::uint8_t> bytes, double scale, std::span<T> acc,
                     Rng) const {
    BitReader r(bytes);
    const std::size_t d = acc.size();
    read_header(r, id(), d);
    const std::size_t nblocks = (d + block_ - 1) / block_;
    require_bits(r, 32 * nblocks + 8 * d, "scales and codes");
    Int8Scratch& scratch = thread_scratch<Int8Scratch>();
    std::vector<double>& step = scratch.step;
    step.resize(nblocks);
    for (std::size_t b = 0; b < nblocks; ++b) {
      float f = r.read_f32("block scale");
      // The encoder writes 0 or a normal fp32 (block_scale); a subnormal, negative, infinite or
      // NaN scale is no message of this codec.
      if (!(f == 0.0f || (f >= FLT_MIN && f <= FLT_MAX))) {
        throw DecodeError("malformed int8 message: block " + std::to_string(b) + " scale " +
                          std::to_string(f) + " is not 0 or a normal non-negative fp32");
      }
      step[b] = static_cast<double>(f) / 127.0;
    }
    // The codes are whole bytes at a byte boundary: read them as int8 straight from the words
    // (byte order of the words' memory image is the stream order on little-endian hosts).
    static_assert(std::endian::native == std::endian::little, "int8 decode assumes little-endian");
    std::vector<std::uint64_t>& code_words = scratch.code_words;
    code_words.resize(d / 8 + 1);
    r.read_words(code_words, 8 * d, "codes");
    r.expect_end("codes");
    const auto* codes = reinterpret_cast<const std::int8_t*>(code_words.data());
    // Code -128 (byte 0x80) is never produced. Eight bytes at a time: after flipping 0x80 the
    // classic zero-byte test (v - 0x01..01) & ~v & 0x80..80 is non-zero iff some byte was 0x80;
    // padding bytes past d are zero and cannot match.
    std::uint64_t bad = 0;
    for (std::uint64_t word : code_words) {
      const std::uint64_t v = word ^ 0x8080808080808080ULL;
      bad |= (v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL;
    }
    if (bad != 0) throw DecodeError("malformed int8 message: code -128 is outside [-127, 127]");
    for (std::size_t b = 0; b < nblocks; ++b) {
      const std::size_t lo = b * block_, n = std::min(block_, d - lo);
      const double st = step[b];
      const std::int8_t* q = codes + lo;
      T* a = acc.data() + lo;
      for (std::size_t j = 0; j < n; ++j)
        accumulate(a[j], scale * (static_cast<double>(q[j]) * st));
    }
  }

 private:
  // Per-thread buffers (thread_scratch.hpp): decode's blocks' steps and code bytes, encode's
  // header bytes.
  struct Int8Scratch {
    std::vector<double> step;
    std::vector<std::uint64_t> code_words;
    std::vector<std::uint8_t> header;  // encode: the message header's bytes
  };

  // The block's absmax rounded up to fp32: 0 or a normal fp32 (validated: finite, <= FLT_MAX).
  template <class T>
  float block_scale(std::span<const T> x, std::size_t lo, std::size_t n, std::size_t b) const {
    // Magnitudes compared as integers: for non-negative doubles the bit patterns order like the
    // values, and inf/NaN patterns exceed every finite one, so one max also detects them. Four
    // independent maxima keep the loop from waiting on one compare chain.
    const T* p = x.data() + lo;
    double m;
    if constexpr (std::is_same_v<T, float>) {
      // The same maximum over the float's own bit patterns (exact, so the scale equals that of
      // the double copy): masked patterns fit a signed int32, which SSE2 compares 4 at a time
      // (widening each entry to double first costs 1.5x the time of the whole loop).
      // (AVX2 has the 8-lane signed max that SSE2 emulates with compare and blend.)
      const auto max_bits = static_cast<std::int32_t>(DCOPT_CALL_KERNEL(float_abs_max_bits, p, n));
      if (max_bits >= std::bit_cast<std::int32_t>(HUGE_VALF)) require_finite_input(x, "int8");
      m = static_cast<double>(std::bit_cast<float>(max_bits));
    } else {
      constexpr std::uint64_t kAbs = ~(std::uint64_t{1} << 63);
      std::uint64_t mb[4] = {0, 0, 0, 0};
      std::size_t j = 0;
      for (; j + 4 <= n; j += 4) {
        for (unsigned k = 0; k < 4; ++k) {
          std::uint64_t a = std::bit_cast<std::uint64_t>(p[j + k]) & kAbs;
          mb[k] = a > mb[k] ? a : mb[k];
        }
      }
      for (; j < n; ++j) {
        std::uint64_t a = std::bit_cast<std::uint64_t>(p[j]) & kAbs;
        mb[0] = a > mb[0] ? a : mb[0];
      }
      const std::uint64_t max_bits = std::max(std::max(mb[0], mb[1]), std::max(mb[2], mb[3]));
      if (max_bits >= std::bit_cast<std::uint64_t>(HUGE_VAL)) require_finite_input(x, "int8");
      m = std::bit_cast<double>(max_bits);
    }
    // A block entirely below fp32's smallest normal is sent as 0 (scale 0, codes 0): a
    // subnormal scale would lose the relative precision the constants rely on, and such blocks
    // are real (a vanishing attention gradient in the MASHA experiment's ALBERT had absmax
    // 5e-41). The absolute error is below B' 2^-252.
    if (m < static_cast<double>(FLT_MIN)) return 0.0f;
    if (m > static_cast<double>(FLT_MAX)) {
      std::ostringstream msg;
      msg << "codec '" << spec() << "': block " << b << " (entries " << lo << ".." << lo + n - 1
          << ") has absmax " << m
          << " beyond fp32's largest value 3.4e38 that the fp32 scale needs";
      throw InvalidArgument(msg.str());
    }
    float mf = static_cast<float>(m);
    if (static_cast<double>(mf) < m) mf = std::nextafter(mf, FLT_MAX);
    return mf;
  }

  std::size_t block_;
  bool stochastic_;
};

}  // namespace

CodecInfo int8_codec_info() {
  CodecInfo info;
  info.name = "int8";
  info.summary = "blockwise 8-bit linear quantization with an fp32 absmax scale per block";
  info.theory =
      "B' = min(block, d); nearest: deterministic, biased, 1 - 1/delta = min((B'-1)/64516, "
      "1 - 1/B'); stochastic: unbiased, omega = (B'-1)/64516; blocks whose absmax is below "
      "2^-126 are sent as 0 (absolute error <= B' 2^-252, outside these constants); density d";
  info.wire_bits = "8 d + 32 ceil(d / block)";
  info.params = {
      {"block", "4096", "entries per block sharing one scale; integer in [1, 2^30]"},
      {"rounding", "nearest", "nearest (deterministic, contractive) or stochastic (unbiased)"}};
  info.examples = {"int8", "int8:block=16,rounding=stochastic", "int8:block=1",
                   "int8:block=7,rounding=nearest"};
  info.make = [params = info.params](const CodecSpec& spec) -> CompressorPtr {
    spec.reject_unknown(params);
    std::uint64_t block = spec.get_uint("block", 4096);
    if (block < 1 || block > kMaxBlock) spec.fail("block", "an integer in [1, 1073741824]");
    std::string rounding = spec.get_string("rounding", "nearest");
    if (rounding != "nearest" && rounding != "stochastic") {
      spec.fail("rounding", "nearest or stochastic");
    }
    return std::make_shared<Int8>(static_cast<std::size_t>(block), rounding == "stochastic");
  };
  return info;
}

}  // namespace dcopt

// The codecs' fast paths against plain reference loops, bit for bit. The stochastic codecs draw
// their random words in blocks (Rng::peek_u32 / skip_u32 and draw_in_chunks, quant_support.hpp)
// and pack fixed-width codes in groups (BitPacker::put_fixed); int8 and scaled_sign run AVX2
// copies of their loops when the CPU has AVX2. None of that may change a single bit: each
// codec's message is compared with a reference encoder that is the plain per-entry loop the
// codecs ran before (one bernoulli draw per entry from the Rng, one BitPacker::put per field),
// on inputs of many sizes (0, odd sizes, sizes around the 512-entry chunk) and shapes that reach
// every branch (zeros, exact powers of two and grid values that draw nothing, values below the
// lowest level, fp32 subnormals, a huge entry), from fp64 and fp32 input (the codecs read an
// fp32 entry as its double; both must give the reference's bytes). The Rng's state after the
// encode must match too, and decoding the message must give what decoding the reference gives.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/compress/codec_spec.hpp"
#include "dcopt/compress/int8_stochastic_avx2.hpp"
#include "dcopt/compress/natural_dithering_avx2.hpp"
#include "dcopt/compress/qsgd_avx2.hpp"
#include "dcopt/compress/quant_support.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/compress/sparse_support.hpp"
#include "dcopt/compress/sparsity_level.hpp"
#include "dcopt/core/bit_pack.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

// ---- reference encoders: the per-entry loops ---------------------------------------------------

Message finish(BitWriter& w, std::uint64_t header, BitPacker& pk) {
  std::size_t nbits = pk.bits();
  w.write_words(pk.finish(), nbits);
  Message m;
  finish_message(w, header, m);
  return m;
}

Message ref_natural(const std::vector<double>& x, bool fp32, Rng& rng) {
  const unsigned exp_bits = fp32 ? 8 : 11;
  BitPacker pk;
  for (double v : x) {
    const auto u = std::bit_cast<std::uint64_t>(v);
    const std::uint64_t a = u & ~(std::uint64_t{1} << 63);
    const std::uint64_t e = a >> 52, mant = a & ((std::uint64_t{1} << 52) - 1);
    std::uint64_t field;
    if (fp32) {
      if (e >= 897 && e <= 1150) {
        field = e - 896 + (bernoulli_mantissa52(rng, mant) ? 1 : 0);
      } else {
        field = bernoulli_exact(rng, std::bit_cast<double>(a) * 0x1p126) ? 1 : 0;
      }
    } else if (e >= 1) {
      field = e + (bernoulli_mantissa52(rng, mant) ? 1 : 0);
    } else {
      field = bernoulli_exact(rng, std::bit_cast<double>(a) * 0x1p1022) ? 1 : 0;
    }
    const std::uint64_t sign = field == 0 ? 0 : u >> 63;
    pk.put(field | (sign << exp_bits), exp_bits + 1);
  }
  BitWriter w;
  const std::uint64_t header = write_header(w, CodecId::natural, x.size());
  return finish(w, header, pk);
}

Message ref_natural_dithering(const std::vector<double>& x, bool inf_norm, unsigned s, Rng& rng) {
  const std::span<const double> xs(x);
  const double norm =
      round_up_to_wire(inf_norm ? checked_max_abs(xs, "ref") : checked_l2_norm(xs, "ref"),
                       Precision::fp32, "ref", "the norm");
  const unsigned width = 1 + bits_for_index(s + 1);
  BitPacker pk;
  for (double v : x) {
    std::uint64_t index = 0;
    if (norm > 0.0) {
      const double y = std::fabs(v) / norm;
      const auto bits = std::bit_cast<std::uint64_t>(y);
      const std::uint64_t eb = bits >> 52, lowest = 1023 + 1 - s;
      if (eb >= lowest) {
        index = eb - lowest + 1 +
                (bernoulli_mantissa52(rng, bits & ((std::uint64_t{1} << 52) - 1)) ? 1 : 0);
      } else {
        index = bernoulli_exact(rng, y * std::ldexp(1.0, static_cast<int>(s) - 1)) ? 1 : 0;
      }
    }
    const std::uint64_t sign = index == 0 ? 0 : (std::signbit(v) ? 1 : 0);
    pk.put(sign | (index << 1), width);
  }
  BitWriter w;
  const std::uint64_t header = write_header(w, CodecId::natural_dithering, x.size());
  write_value(w, norm, Precision::fp32);
  return finish(w, header, pk);
}

Message ref_qsgd(const std::vector<double>& x, std::uint32_t s, bool elias, Rng& rng) {
  const std::span<const double> xs(x);
  const double norm =
      round_up_to_wire(checked_l2_norm(xs, "ref"), Precision::fp32, "ref", "the norm");
  const unsigned level_bits = bits_for_index(std::uint64_t{s} + 1);
  BitPacker pk;
  std::uint64_t nnz = 0;
  std::size_t last = 0;
  for (std::size_t j = 0; j < x.size(); ++j) {
    std::uint64_t level = 0;
    if (norm > 0.0) {
      const double t =
          std::min(std::fabs(x[j]) * (static_cast<double>(s) / norm), static_cast<double>(s));
      const double fl = std::floor(t);
      level = static_cast<std::uint64_t>(fl) + (bernoulli_exact(rng, t - fl) ? 1 : 0);
    }
    const std::uint64_t sign = std::signbit(x[j]) ? 1 : 0;
    if (!elias) {
      pk.put(level == 0 ? 0 : sign | (level << 1), 1 + level_bits);
    } else if (level != 0) {
      pk.put_gamma(j + 1 - last);
      pk.put(sign, 1);
      pk.put_gamma(level);
      last = j + 1;
      ++nnz;
    }
  }
  BitWriter w;
  const std::uint64_t header = write_header(w, CodecId::qsgd, x.size());
  write_value(w, norm, Precision::fp32);
  if (elias) w.write_varint(nnz);
  return finish(w, header, pk);
}

Message ref_int8_stochastic(const std::vector<double>& x, std::size_t block, Rng& rng) {
  const std::size_t d = x.size(), nblocks = (d + block - 1) / block;
  std::vector<float> scales(nblocks);
  std::vector<std::uint8_t> codes(d, 0);
  for (std::size_t b = 0; b < nblocks; ++b) {
    const std::size_t lo = b * block, n = std::min(block, d - lo);
    double m = 0.0;
    for (std::size_t j = lo; j < lo + n; ++j) m = std::max(m, std::fabs(x[j]));
    float mf = static_cast<float>(m);
    if (static_cast<double>(mf) < m) mf = std::nextafter(mf, FLT_MAX);
    scales[b] = mf;
    if (mf == 0.0f) continue;
    const double inv = 127.0 / static_cast<double>(mf);
    for (std::size_t j = lo; j < lo + n; ++j) {
      const double v = std::min(127.0, std::max(-127.0, x[j] * inv));
      const double fl = std::floor(v);
      const int k = static_cast<int>(fl) + (bernoulli_exact(rng, v - fl) ? 1 : 0);
      codes[j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(k));
    }
  }
  BitWriter w;
  const std::uint64_t header = write_header(w, CodecId::int8, d);
  for (float f : scales) w.write_f32(f);
  for (std::uint8_t c : codes) w.write(c, 8);
  Message out;
  finish_message(w, header, out);
  return out;
}

Message ref_int8_nearest(const std::vector<double>& x, std::size_t block) {
  const std::size_t d = x.size(), nblocks = (d + block - 1) / block;
  BitWriter w;
  const std::uint64_t header = write_header(w, CodecId::int8, d);
  std::vector<std::uint8_t> codes(d, 0);
  for (std::size_t b = 0; b < nblocks; ++b) {
    const std::size_t lo = b * block, n = std::min(block, d - lo);
    double m = 0.0;
    for (std::size_t j = lo; j < lo + n; ++j) m = std::max(m, std::fabs(x[j]));
    float mf = static_cast<float>(m);
    if (static_cast<double>(mf) < m) mf = std::nextafter(mf, FLT_MAX);
    w.write_f32(mf);
    if (mf == 0.0f) continue;
    const double inv = 127.0 / static_cast<double>(mf);
    for (std::size_t j = lo; j < lo + n; ++j) {
      const auto k = static_cast<int>(std::nearbyint(x[j] * inv));  // ties to even
      codes[j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(k));
    }
  }
  for (std::uint8_t c : codes) w.write(c, 8);
  Message out;
  finish_message(w, header, out);
  return out;
}

Message ref_scaled_sign(const std::vector<double>& x) {
  // The l1 norm in the codec's order of additions: per block of 64 entries eight partial sums
  // (entry k into sum k % 8) combined pairwise, the blocks and then the tail entries in order.
  const std::size_t d = x.size();
  double l1 = 0.0;
  for (std::size_t b = 0; b < d / 64; ++b) {
    double s[8] = {};
    for (unsigned k = 0; k < 64; ++k) s[k % 8] += std::fabs(x[64 * b + k]);
    l1 += ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  }
  for (std::size_t j = d / 64 * 64; j < d; ++j) l1 += std::fabs(x[j]);
  const double mean = d == 0 ? 0.0 : l1 / static_cast<double>(d);
  BitWriter w;
  const std::uint64_t header = write_header(w, CodecId::scaled_sign, d);
  write_value(w, wire_round(mean, Precision::fp32), Precision::fp32);
  for (double v : x) w.write(v < 0.0 ? 1 : 0, 1);
  Message out;
  finish_message(w, header, out);
  return out;
}

Message ref_topk(const std::vector<double>& x, std::size_t k, Precision p) {
  // All entries sorted by magnitude (the bit pattern of |x_j| as a double: NaNs above inf),
  // ties by lower index; the first k, by index.
  const std::size_t d = x.size();
  std::vector<std::uint32_t> order(d);
  for (std::size_t j = 0; j < d; ++j) order[j] = static_cast<std::uint32_t>(j);
  auto key = [&](std::uint32_t j) { return std::bit_cast<std::uint64_t>(std::fabs(x[j])); };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return key(a) > key(b); });
  order.resize(k);
  std::sort(order.begin(), order.end());
  BitWriter w;
  const std::uint64_t header = write_header(w, CodecId::topk, d);
  write_support(w, order, d);
  for (std::uint32_t j : order) write_value(w, x[j], p);
  Message out;
  finish_message(w, header, out);
  return out;
}

// ---- inputs -----------------------------------------------------------------------------------

const std::size_t kSizes[] = {0, 1, 2, 3, 7, 63, 64, 65, 511, 512, 513, 1000, 1537, 4097};

// Shape k of x (all finite; every value exactly representable as fp32, so that fp32 input is
// the same vector).
std::vector<double> input(std::size_t d, int shape, std::uint64_t seed) {
  Rng g(seed, Purpose::test, d, static_cast<std::uint64_t>(shape));
  std::vector<double> x(d);
  for (std::size_t i = 0; i < d; ++i) {
    double v = g.normal();
    switch (shape) {
      case 0:  // Gaussian
        break;
      case 1:  // a third zeros (draw nothing), some -0
        if (i % 3 == 0) v = (i % 2 == 0) ? 0.0 : -0.0;
        break;
      case 2:  // exact powers of two (mantissa 0: natural draws nothing)
        v = std::ldexp(g.below(2) != 0 ? -1.0 : 1.0, static_cast<int>(g.below(30)) - 15);
        break;
      case 3:  // quarter grid: qsgd / int8 levels that are exact for some entries
        v = std::round(v * 4.0) / 4.0;
        break;
      case 4:  // fp32 subnormals and normals side by side
        v *= (i % 2 == 0) ? 0x1p-140 : 1.0;
        break;
      case 5:  // one huge entry: everything else is below the lowest levels
        v = (i == d / 2) ? 1e30 : v;
        break;
      case 6:  // sparse
        v = g.below(50) == 0 ? v : 0.0;
        break;
      case 7:  // non-finite entries among Gaussians (only for codecs that accept them: topk)
        if (g.below(1000) == 0) {
          const double specials[] = {HUGE_VAL, -HUGE_VAL, std::nan(""), -std::nan("")};
          v = specials[g.below(4)];
        }
        break;
    }
    x[i] = static_cast<double>(static_cast<float>(v));
  }
  return x;
}
constexpr int kShapes = 7;
constexpr int kNonFiniteShape = 7;

// Encodes x (as fp64 and as fp32) with `spec` from an Rng started at an odd offset of its
// stream, and compares with `ref` run on a copy of that Rng: bytes, bit counts, the Rng's
// state afterwards, and the decoded vector.
// `skip_shape`: a shape the codec rejects (int8 needs normal fp32 block scales).
// `sizes` and `shapes`: defaults kSizes and shapes 0 .. kShapes - 1.
template <class Ref>
void expect_same_as_reference(const std::string& spec, Ref ref, int skip_shape = -1,
                              std::span<const std::size_t> sizes = kSizes, int shapes = kShapes) {
  auto codec = make_compressor(spec);
  for (std::size_t d : sizes) {
    for (int shape = 0; shape < shapes; ++shape) {
      if (shape == skip_shape) continue;
      for (std::uint64_t seed = 0; seed < 2; ++seed) {
        const std::vector<double> x = input(d, shape, seed);
        const std::vector<float> xf(x.begin(), x.end());
        Rng start(seed + 7, Purpose::compressor, 1, d);
        for (std::uint64_t k = 0; k < (seed + d) % 4; ++k) start.next_u32();
        Rng r_ref = start;
        const Message want = ref(x, r_ref);
        for (int as_float = 0; as_float < 2; ++as_float) {
          Rng r = start;
          const Message got = as_float != 0 ? codec->encode(std::span<const float>(xf), r)
                                            : codec->encode(std::span<const double>(x), r);
          const std::string where =
              spec + " d=" + std::to_string(d) + " shape=" + std::to_string(shape) +
              " seed=" + std::to_string(seed) + (as_float ? " fp32" : " fp64");
          ASSERT_EQ(got.bytes, want.bytes) << where;
          ASSERT_EQ(got.bits, want.bits) << where;
          ASSERT_EQ(got.header_bits, want.header_bits) << where;
          Rng r_after = r_ref;
          ASSERT_EQ(r.next_u64(), r_after.next_u64()) << where << ": Rng state after encode";
          std::vector<double> dec(d, 0.0), dec_ref(d, 0.0);
          codec->decode(got.bytes, dec, Rng(0, Purpose::test));
          codec->decode(want.bytes, dec_ref, Rng(0, Purpose::test));
          // Bitwise (NaN entries of the non-finite shape compare unequal as values).
          ASSERT_TRUE(d == 0 || std::memcmp(dec.data(), dec_ref.data(), 8 * d) == 0) << where;
        }
      }
    }
  }
}

TEST(FastPaths, NaturalMatchesPerEntryLoop) {
  expect_same_as_reference(
      "natural", [](const std::vector<double>& x, Rng& r) { return ref_natural(x, true, r); });
  expect_same_as_reference("natural:precision=64", [](const std::vector<double>& x, Rng& r) {
    return ref_natural(x, false, r);
  });
}

TEST(FastPaths, NaturalDitheringMatchesPerEntryLoop) {
  expect_same_as_reference("natural_dithering", [](const std::vector<double>& x, Rng& r) {
    return ref_natural_dithering(x, false, 8, r);
  });
  expect_same_as_reference("natural_dithering:p=inf,s=3", [](const std::vector<double>& x, Rng& r) {
    return ref_natural_dithering(x, true, 3, r);
  });
  expect_same_as_reference("natural_dithering:s=64", [](const std::vector<double>& x, Rng& r) {
    return ref_natural_dithering(x, false, 64, r);
  });
}

TEST(FastPaths, QsgdMatchesPerEntryLoop) {
  for (std::uint32_t s : {1u, 16u, 1000u}) {
    for (bool elias : {true, false}) {
      std::string spec = "qsgd:s=";
      spec += std::to_string(s);
      spec += elias ? ",coding=elias" : ",coding=fixed";
      expect_same_as_reference(spec, [s, elias](const std::vector<double>& x, Rng& r) {
        return ref_qsgd(x, s, elias, r);
      });
    }
  }
}

TEST(FastPaths, StochasticInt8MatchesPerEntryLoop) {
  for (std::size_t block : {std::size_t{1}, std::size_t{7}, std::size_t{300}, std::size_t{4096}}) {
    std::string spec = "int8:rounding=stochastic,block=";
    spec += std::to_string(block);
    expect_same_as_reference(
        spec,
        [block](const std::vector<double>& x, Rng& r) { return ref_int8_stochastic(x, block, r); },
        /*skip_shape=*/4);
  }
}

TEST(FastPaths, Int8NearestMatchesPlainLoop) {
  for (std::size_t block : {std::size_t{1}, std::size_t{7}, std::size_t{300}, std::size_t{4096}}) {
    std::string spec = "int8:rounding=nearest,block=";
    spec += std::to_string(block);
    expect_same_as_reference(
        spec, [block](const std::vector<double>& x, Rng&) { return ref_int8_nearest(x, block); },
        /*skip_shape=*/4);
  }
}

TEST(FastPaths, ScaledSignMatchesPlainLoop) {
  expect_same_as_reference("scaled_sign",
                           [](const std::vector<double>& x, Rng&) { return ref_scaled_sign(x); });
  // The AVX2 kernel works on blocks of 64 and the tail loop on the rest: every size up to 4097
  // that changes the number of blocks or the tail (all sizes to 200, then around multiples of 64).
  std::vector<std::size_t> sizes;
  for (std::size_t d = 0; d <= 4097; ++d) {
    if (d <= 200 || d % 64 <= 1 || d % 64 == 63) sizes.push_back(d);
  }
  expect_same_as_reference(
      "scaled_sign", [](const std::vector<double>& x, Rng&) { return ref_scaled_sign(x); }, -1,
      sizes);
}

// TopK's radix selection starts at d = 2^15 (smaller inputs are selected directly), so the
// sizes go past it; the non-finite shape sends fp32 input back to the double keys.
TEST(FastPaths, TopKMatchesFullSort) {
  const std::size_t sizes[] = {0,     1,     7,     64,    513,   4097,  32767,
                               32768, 32769, 40000, 65536, 70001, 131075};
  for (const char* spec : {"topk:ratio=0.01", "topk:ratio=0.3", "topk:ratio=0.0001",
                           "topk:ratio=0.01,precision=64", "topk:ratio=1"}) {
    const SparsityLevel level = SparsityLevel::parse(CodecSpec::parse(spec));
    const Precision p = std::string(spec).find("precision=64") != std::string::npos
                            ? Precision::fp64
                            : Precision::fp32;
    expect_same_as_reference(
        spec,
        [&](const std::vector<double>& x, Rng&) {
          return ref_topk(x, level.resolve(x.size(), "ref"), p);
        },
        -1, sizes, kNonFiniteShape + 1);
  }
}

// A tiny negative entry next to a large one in its block: v = x * 127 / scale is just below 0,
// v - floor(v) rounds to exactly 1, so the entry rounds up to code 0 (unbiased: E[code] is v,
// about 0), in the block path (which leaves such entries to the per-entry loop) as in the loop.
// Before the fix, bernoulli_exact(1) converted 2^32 to uint32 and the code was -1.
TEST(FastPaths, StochasticInt8RoundsAFractionOfOneUp) {
  std::vector<double> x(40, -1e-30);
  x[0] = 1.0;
  auto codec = make_compressor("int8:rounding=stochastic,block=4096");
  Rng r(1, Purpose::compressor), r_ref(1, Purpose::compressor);
  const Message got = codec->encode(std::span<const double>(x), r);
  const Message want = ref_int8_stochastic(x, 4096, r_ref);
  EXPECT_EQ(got.bytes, want.bytes);
  for (std::size_t j = 1; j < x.size(); ++j) {
    EXPECT_EQ(static_cast<std::int8_t>(got.bytes[got.bytes.size() - x.size() + j]), 0) << j;
  }
  EXPECT_EQ(r.next_u64(), r_ref.next_u64());  // the same words were drawn
}

// The round-up compare at its edge: frac * 2^32 an exact integer N. Word N - 1 rounds up
// (word + 1 <= N: the probability of up is N / 2^32, words 0..N-1), word N ties (the per-entry
// loop draws a second word), word N + 1 rounds down. Through encode the tie and the up case give
// the same bytes either way (a kernel that flags the edge as a tie only sends the chunk to the
// per-entry loop), so the AVX2 kernel is checked directly: its codes and flags, in the 16-entry
// loop (entries 0-15), the 4-entry loop (16-19) and the scalar tail (20), for double and float
// entries.
template <class T>
void expect_edge_of_round_up(T x, double inv, std::uint32_t n) {
  const double v = static_cast<double>(x) * inv;
  const double fl = std::floor(v);
  ASSERT_EQ((v - fl) * 0x1p32, static_cast<double>(n)) << "the input is not at the edge";
  const auto down = static_cast<std::int8_t>(fl);
  const auto up = static_cast<std::int8_t>(fl + 1.0);
  constexpr std::size_t m = 21;
  T p[m];
  std::fill(p, p + m, x);
  std::uint32_t need[m];
  std::int8_t q[m];
  for (std::size_t lane = 0; lane < m; ++lane) {
    std::uint32_t words[m];
    std::fill(words, words + m, n + 1);
    words[lane] = n - 1;  // this entry rounds up, the others down
    ASSERT_EQ(int8_stochastic_codes_avx2(p, m, inv, words, need, q), 0u) << "lane " << lane;
    for (std::size_t j = 0; j < m; ++j) {
      EXPECT_EQ(q[j], j == lane ? up : down) << "lane " << lane << " entry " << j;
    }
    words[lane] = n;  // a tie: left to the per-entry loop
    EXPECT_EQ(int8_stochastic_codes_avx2(p, m, inv, words, need, q), kChunkIrregular)
        << "lane " << lane;
  }
}

TEST(FastPaths, StochasticInt8KernelRoundUpEdge) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2";
  // v = 5 + 3 * 2^-32 (exact in double): N = 3.
  expect_edge_of_round_up(5.0 + 0x1p-32 * 3.0, 1.0, 3u);
  // v = -2 + 0xABCDEF * 2^-32: a negative v, N = 0xABCDEF.
  expect_edge_of_round_up(-2.0 + 0x1p-32 * 0xABCDEF, 1.0, 0xABCDEFu);
  // fp32 entry 1.5, inv 1: frac 1/2, N = 2^31.
  expect_edge_of_round_up(1.5f, 1.0, 0x8000'0000u);
  // fp32 entry 0.75 scaled by 127 / 1.5 (a real block: absmax 1.5): v = 63.5, N = 2^31.
  expect_edge_of_round_up(0.75f, 127.0 / 1.5, 0x8000'0000u);
}

// The same edge through encode, with the word the Rng actually draws: entry 0 is the block's
// absmax (code 127, draws nothing), entry 1 has frac * 2^32 = w + 1 for the stream's first word
// w, so it draws w and rounds up; the bytes and the Rng state must be the per-entry loop's.
TEST(FastPaths, StochasticInt8EncodeAtRoundUpEdge) {
  auto codec = make_compressor("int8:rounding=stochastic,block=4096");
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    Rng start(seed, Purpose::compressor);
    const std::uint32_t w = Rng(start).next_u32();
    if (w == 0xFFFF'FFFFu) continue;
    const std::vector<double> x = {127.0, 3.0 + 0x1p-32 * (static_cast<double>(w) + 1.0)};
    Rng r = start, r_ref = start;
    const Message got = codec->encode(std::span<const double>(x), r);
    const Message want = ref_int8_stochastic(x, 4096, r_ref);
    ASSERT_EQ(got.bytes, want.bytes) << seed;
    EXPECT_EQ(static_cast<std::int8_t>(got.bytes.back()), 4) << seed;  // rounded up
    EXPECT_EQ(r.next_u64(), r_ref.next_u64()) << seed;
  }
}

// natural_dithering's AVX2 kernel at the edges of its two compares, entry by entry in every
// lane of its 8-entry groups (m = 16, norm 1, s = 8: lowest level 2^-7, biased exponent 1016,
// below = 2^7). Upper case y = 0.75 (exponent 2^-1, index 7 or 8; the mantissa's top 32 bits
// are H = 2^31): word H - 1 rounds up to level 1 (index 8), H ties (the per-entry loop draws a
// second word), H + 1 stays at 2^-1. Lower case y = 5 * 2^-39 (fraction of the lowest level
// 5 * 2^-32, N = 5): word 4 rounds up to index 1, 5 ties, 6 gives 0 (and drops the sign).
// Exact levels (1, 2^-3) and 0 draw nothing. The other entries are either all -0.75 with word
// H + 1 (code 7 << 1 | 1: every group has an upper-case entry) or all -2^-20 with word 2^19 + 1
// (f2 = 2^19: code 0; a group of lower-case entries takes the kernel's short path).
template <class T>
void expect_dithering_kernel_edges(double filler, std::uint32_t filler_word,
                                   std::uint32_t filler_code) {
  constexpr std::size_t m = 16;
  constexpr std::uint32_t lowest = 1016, H = 0x8000'0000u;
  const double below = 0x1p7;
  struct Case {
    double y;
    std::uint32_t word;
    std::uint32_t index;  // 0 when irregular
    std::uint32_t need;
    bool irregular;
  };
  const Case cases[] = {
      {0.75, H - 1, 8, 1, false},    {0.75, H, 0, 1, true},        {0.75, H + 1, 7, 1, false},
      {5 * 0x1p-39, 4, 1, 1, false}, {5 * 0x1p-39, 5, 0, 1, true}, {5 * 0x1p-39, 6, 0, 1, false},
      {1.0, 0, 8, 0, false},         {0x1p-3, 0, 5, 0, false},     {0.0, 0, 0, 0, false},
  };
  for (const Case& c : cases) {
    for (std::size_t lane = 0; lane < m; ++lane) {
      for (double sign : {1.0, -1.0}) {
        T p[m];
        std::uint32_t words[m], need[m], codes[m];
        for (std::size_t j = 0; j < m; ++j) {
          p[j] = static_cast<T>(filler);
          words[j] = filler_word;
        }
        p[lane] = static_cast<T>(sign * c.y);
        words[lane] = c.word;
        const unsigned flags = dithering_codes_avx2(p, m, 1.0, lowest, below, words, need, codes);
        const std::string where = "y=" + std::to_string(c.y) + " word=" + std::to_string(c.word) +
                                  " lane=" + std::to_string(lane) + " sign=" + std::to_string(sign);
        EXPECT_EQ(flags,
                  (c.irregular ? kChunkIrregular : 0u) | (c.need == 0 ? kChunkSkippedDraws : 0u))
            << where;
        if (c.irregular) continue;
        const std::uint32_t sign_bit = sign < 0 && c.index != 0 ? 1 : 0;
        for (std::size_t j = 0; j < m; ++j) {
          EXPECT_EQ(codes[j], j == lane ? (c.index << 1) | sign_bit : filler_code)
              << where << " j=" << j;
          EXPECT_EQ(need[j], j == lane ? c.need : 1u) << where << " j=" << j;
        }
      }
    }
  }
}

TEST(FastPaths, NaturalDitheringKernelEdges) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2";
  for (int f = 0; f < 2; ++f) {
    const double filler = f == 0 ? -0.75 : -0x1p-20;
    const std::uint32_t word = f == 0 ? 0x8000'0001u : (1u << 19) + 1;
    const std::uint32_t code = f == 0 ? (7u << 1) | 1u : 0u;
    expect_dithering_kernel_edges<double>(filler, word, code);
    expect_dithering_kernel_edges<float>(filler, word, code);
  }
}

// qsgd's AVX2 kernel at the edges of its compare, in every lane of two groups of 4 (m = 8;
// s_over_norm 1, s = 16, so t = min(|x|, 16)). t = 3 + 5 * 2^-32 (N = 5): word 4 rounds up to
// level 4, word 5 ties (left to the per-entry loop), word 6 stays at 3. t = 16 (|x| = 20 is
// clamped), t = 2 and 0 draw nothing; a zero level drops the sign. The other entries are
// -1.5 with word 2^31 + 1 (rounds down: level 1, negative).
template <class T>
void expect_qsgd_kernel_edges() {
  constexpr std::size_t m = 8;
  struct Case {
    double x;
    std::uint32_t word, level, need;
    bool irregular;
  };
  const double edge = 3.0 + 5.0 * 0x1p-32;
  const Case cases[] = {{edge, 4, 4, 1, false},  {edge, 5, 0, 1, true}, {edge, 6, 3, 1, false},
                        {20.0, 0, 16, 0, false}, {2.0, 0, 2, 0, false}, {0.0, 0, 0, 0, false}};
  for (const Case& c : cases) {
    if (static_cast<double>(static_cast<T>(c.x)) != c.x) continue;  // not exact in fp32
    for (std::size_t lane = 0; lane < m; ++lane) {
      for (double sign : {1.0, -1.0}) {
        T p[m];
        std::uint32_t words[m], need[m], levels[m];
        for (std::size_t j = 0; j < m; ++j) {
          p[j] = static_cast<T>(-1.5);
          words[j] = 0x8000'0001u;
        }
        p[lane] = static_cast<T>(sign * c.x);
        words[lane] = c.word;
        const unsigned flags = qsgd_levels_avx2(p, m, 1.0, 16.0, words, need, levels);
        const std::string where = "x=" + std::to_string(c.x) + " word=" + std::to_string(c.word) +
                                  " lane=" + std::to_string(lane) + " sign=" + std::to_string(sign);
        EXPECT_EQ(flags,
                  (c.irregular ? kChunkIrregular : 0u) | (c.need == 0 ? kChunkSkippedDraws : 0u))
            << where;
        if (c.irregular) continue;
        const std::uint32_t sign_bit = sign < 0 && c.level != 0 ? 1 : 0;
        for (std::size_t j = 0; j < m; ++j) {
          EXPECT_EQ(levels[j], j == lane ? (c.level << 1) | sign_bit : (1u << 1) | 1u)
              << where << " j=" << j;
          EXPECT_EQ(need[j], j == lane ? c.need : 1u) << where << " j=" << j;
        }
      }
    }
  }
}

TEST(FastPaths, QsgdKernelEdges) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2";
  expect_qsgd_kernel_edges<double>();
  expect_qsgd_kernel_edges<float>();
}

// Encoding into a reused Message overwrites every byte of the previous message (int8 resizes
// the old storage instead of clearing it), including the codes of a block whose scale is 0.
TEST(FastPaths, Int8EncodeIntoReusedMessage) {
  for (const char* spec : {"int8:rounding=stochastic,block=7", "int8:rounding=nearest,block=7"}) {
    auto codec = make_compressor(spec);
    std::vector<double> big(40), small(30, 0.0);
    for (std::size_t j = 0; j < big.size(); ++j) big[j] = 0.37 * static_cast<double>(j) - 5.1;
    for (std::size_t j = 14; j < 21; ++j) small[j] = -1.0 / static_cast<double>(j);
    Rng r(3, Purpose::compressor), r_fresh(3, Purpose::compressor);
    Message reused;
    for (const auto* x : {&big, &small, &big, &small, &small}) {
      codec->encode(std::span<const double>(*x), r, reused);
      const Message fresh = codec->encode(std::span<const double>(*x), r_fresh);
      ASSERT_EQ(reused.bytes, fresh.bytes) << spec << " d=" << x->size();
      ASSERT_EQ(reused.bits, fresh.bits) << spec;
      ASSERT_EQ(reused.header_bits, fresh.header_bits) << spec;
    }
  }
}

TEST(BitPackerPutFixed, MatchesPutPerField) {
  // Every width (groups of 64 / width fields, at most 32), field counts that leave many remainders,
  // after a prefix that leaves the packer mid-word.
  for (unsigned width = 1; width <= 32; ++width) {
    for (std::size_t n : {0u,  1u,  3u,  4u,  5u,  7u,  8u,  9u,  11u, 13u,  15u,
                          16u, 17u, 20u, 22u, 31u, 33u, 63u, 64u, 65u, 300u, 1021u}) {
      for (unsigned prefix : {0u, 1u, 17u, 63u}) {
        Rng g(width, Purpose::test, n, prefix);
        std::vector<std::uint32_t> v(n);
        const std::uint64_t mask = (std::uint64_t{1} << width) - 1;
        for (auto& f : v) f = static_cast<std::uint32_t>(g.next_u64() & mask);
        BitPacker a, b;
        if (prefix > 0) {
          a.put(0x5A5A5A5A5A5A5A5Aull & ((std::uint64_t{1} << prefix) - 1), prefix);
          b.put(0x5A5A5A5A5A5A5A5Aull & ((std::uint64_t{1} << prefix) - 1), prefix);
        }
        a.put_fixed(v.data(), n, width);
        for (std::uint32_t f : v) b.put(f, width);
        a.put(1, 1);  // the state after put_fixed continues correctly
        b.put(1, 1);
        ASSERT_EQ(a.bits(), b.bits()) << width << " " << n << " " << prefix;
        auto wa = a.finish(), wb = b.finish();
        ASSERT_TRUE(std::equal(wa.begin(), wa.end(), wb.begin(), wb.end()))
            << "width " << width << " n " << n << " prefix " << prefix;
      }
    }
  }
}

}  // namespace
}  // namespace dcopt

// int8: per-entry error bound, declared constants, unbiasedness of stochastic rounding, bit
// counts, spec validation, rejection of code -128 and of out-of-range scales.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>

#include "dcopt/core/error.hpp"
#include "quant_test_support.hpp"

namespace dcopt {
namespace {

using namespace quant_test;

double fp32_up(double m) {
  float f = static_cast<float>(m);
  if (static_cast<double>(f) < m) f = std::nextafter(f, FLT_MAX);
  return f;
}

TEST(Int8, NearestErrorPerEntryAtMostScaleOver254) {
  for (std::size_t block : {1u, 7u, 64u, 4096u}) {
    auto c = make_compressor("int8:block=" + std::to_string(block));
    auto x = gaussian(1000, 16);
    auto out = round_trip(*c, x, 0);
    for (std::size_t lo = 0; lo < x.size(); lo += block) {
      std::size_t hi = std::min(x.size(), lo + block);
      double m = 0.0;
      for (std::size_t j = lo; j < hi; ++j) m = std::max(m, std::fabs(x[j]));
      const double scale = fp32_up(m);
      for (std::size_t j = lo; j < hi; ++j) {
        EXPECT_LE(std::fabs(out[j] - x[j]), scale / 254 * (1 + 1e-12)) << "block " << block;
        // on the grid scale * k / 127
        double k = out[j] / scale * 127;
        EXPECT_NEAR(k, std::round(k), 1e-9);
        EXPECT_LE(std::fabs(k), 127.0 + 1e-9);
      }
    }
  }
}

TEST(Int8, DeclaredConstants) {
  // B' = min(block, d); nearest: 1 - 1/delta = min((B'-1)/64516, 1 - 1/B') (+ tiny margin).
  auto near = make_compressor("int8:block=4096");
  EXPECT_NEAR(1 - 1 / near->properties(100000).delta, 4095.0 / 64516, 1e-6);
  EXPECT_NEAR(1 - 1 / near->properties(100).delta, 99.0 / 64516, 1e-6);
  auto huge = make_compressor("int8:block=100000");
  EXPECT_NEAR(1 - 1 / huge->properties(100000).delta, 1 - 1e-5, 1e-6);  // still contractive
  EXPECT_TRUE(near->properties(10).deterministic);
  auto sto = make_compressor("int8:block=16,rounding=stochastic");
  EXPECT_TRUE(sto->properties(100).unbiased);
  EXPECT_NEAR(sto->properties(100).omega, 15.0 / 64516, 1e-6);
}

TEST(Int8, NearestErrorWithinDeclaredDeltaOnAdversarialBlocks) {
  // Entries at odd multiples of half a step incur the maximal error m/254 each.
  const std::size_t b = 64;
  std::vector<double> x(b);
  x[0] = 1.0;
  for (std::size_t j = 1; j < b; ++j) x[j] = (2.0 * (j % 100) + 1) / 254.0 * (j % 2 ? 1 : -1);
  auto c = make_compressor("int8:block=64");
  auto out = round_trip(*c, x, 0);
  EXPECT_LE(vec::dist2_sq(out, x), (1 - 1 / c->properties(b).delta) * vec::norm2_sq(x));
}

TEST(Int8, StochasticIsUnbiasedAtSeveralDimensions) {
  const int trials = 100000;
  auto c = make_compressor("int8:block=16,rounding=stochastic");
  for (std::size_t d : {1u, 7u, 100u}) {
    auto x = gaussian(d, 17);
    const double omega = c->properties(d).omega;
    MonteCarlo mc = monte_carlo(*c, x, trials);
    // + 1e-9: the fp32 rounding of the scale is inside omega's margin, not a bias, but the
    // rounding of q * scale / 127 in double is ~1e-16 relative.
    EXPECT_LT(mc.rel_bias, bias_tolerance(omega, trials) + 1e-9) << "d=" << d;
    EXPECT_LE(mc.rel_err, 1.02 * omega + 1e-12) << "d=" << d;
  }
}

TEST(Int8, ExactBitCounts) {
  for (std::size_t d : {1u, 7u, 100u, 5000u}) {
    for (std::size_t block : {1u, 16u, 4096u}) {
      Message m;
      round_trip(*make_compressor("int8:block=" + std::to_string(block)), gaussian(d, 18), 0, &m);
      EXPECT_EQ(m.bits, header_bits(d) + 32 * ((d + block - 1) / block) + 8 * d);
    }
  }
}

TEST(Int8, BadSpecsNameKeyAndRange) {
  try {
    make_compressor("int8:block=0");
    FAIL();
  } catch (const InvalidArgument& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("block=0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[1, 1073741824]"), std::string::npos) << msg;
  }
  EXPECT_THROW(make_compressor("int8:rounding=up"), InvalidArgument);
}

TEST(Int8, RejectsCodeMinus128AndBadScales) {
  auto c = make_compressor("int8:block=4");
  Rng rng(1, Purpose::test);
  Message m = c->encode(std::vector<double>{1.0, -0.5, 0.25, 0.0, 2.0}, rng);
  // layout: 2 header bytes, 2 fp32 scales (bytes 2..9), 5 codes (bytes 10..14)
  ASSERT_EQ(m.bytes.size(), 15u);
  std::vector<double> out(5, 0.0);
  auto bad = m.bytes;
  bad[12] = 0x80;
  EXPECT_THROW(c->decode(bad, out, Rng(1, Purpose::test)), DecodeError);
  bad = m.bytes;
  bad[9] |= 0x80;  // second scale negative
  EXPECT_THROW(c->decode(bad, out, Rng(1, Purpose::test)), DecodeError);
  c->decode(m.bytes, out, Rng(1, Purpose::test));
  EXPECT_EQ(out, (std::vector<double>{1.0, -64.0 / 127, 32.0 / 127, 0.0, 2.0}));
}

// Found by fuzz/codec_decode_fuzz.cpp: the decoder took a subnormal fp32 scale, which the
// encoder never writes (it rejects blocks whose absmax is below fp32's normal range).
TEST(Int8, RejectsASubnormalScaleTheEncoderNeverWrites) {
  auto c = make_compressor("int8:block=4");
  Rng rng(1, Purpose::test);
  Message m = c->encode(std::vector<double>{1.0, -0.5, 0.25, 0.0, 2.0}, rng);
  ASSERT_EQ(m.bytes.size(), 15u);
  std::vector<double> out(5, 0.0);
  auto bad = m.bytes;
  const float subnormal = 1e-40f;  // second scale, bytes 6..9
  std::memcpy(bad.data() + 6, &subnormal, 4);
  EXPECT_THROW(c->decode(bad, out, Rng(1, Purpose::test)), DecodeError);
  const float smallest_normal = FLT_MIN;  // still a valid message
  std::memcpy(bad.data() + 6, &smallest_normal, 4);
  EXPECT_NO_THROW(c->decode(bad, out, Rng(1, Purpose::test)));
  const float zero = 0.0f;
  std::memcpy(bad.data() + 6, &zero, 4);
  EXPECT_NO_THROW(c->decode(bad, out, Rng(1, Purpose::test)));
}

TEST(Int8, InputsTheFp32ScaleCannotCarryAreRejected) {
  auto c = make_compressor("int8:block=2");
  Rng rng(1, Purpose::test);
  EXPECT_THROW(c->encode(std::vector<double>{1e39}, rng), InvalidArgument);
  EXPECT_THROW(c->encode(std::vector<double>{1.0, NAN}, rng), InvalidArgument);
  EXPECT_NO_THROW(c->encode(std::vector<double>{0.0, 0.0, 1e-30}, rng));
}

TEST(Int8, BlocksBelowTheSmallestNormalAreSentAsZero) {
  // A vanishing gradient block (absmax 5e-41 in the MASHA experiment's ALBERT) once stopped a
  // training run: now it travels as zeros, and its neighbours as before.
  for (const char* spec : {"int8:block=2", "int8:block=2,rounding=stochastic"}) {
    auto c = make_compressor(spec);
    const std::vector<float> x{1.0f, -0.5f, 4.95e-41f, -1e-39f, 0.0f, 2e-38f};
    Rng rng(1, Purpose::test);
    const Message m = c->encode(std::span<const float>(x), rng);
    std::vector<float> y(x.size(), 7.0f);
    c->decode(m.bytes, std::span<float>(y), Rng(1, Purpose::test));
    EXPECT_EQ(y[0], 1.0f) << spec;  // the block maximum is exact
    EXPECT_EQ(y[2], 0.0f) << spec;
    EXPECT_EQ(y[3], 0.0f) << spec;
    // The last block's absmax 2e-38 is a normal fp32: quantized, not flushed.
    EXPECT_NEAR(y[5], 2e-38f, 2e-38 / 254 + 1e-45) << spec;
    EXPECT_GT(y[5], 0.0f) << spec;
    const std::vector<double> xd{1e-300, -1e-200, 1.0, 0.25};
    const Message md = c->encode(std::span<const double>(xd), rng);
    std::vector<double> yd(xd.size(), 7.0);
    c->decode(md.bytes, std::span<double>(yd), Rng(1, Purpose::test));
    EXPECT_EQ(yd[0], 0.0) << spec;
    EXPECT_EQ(yd[1], 0.0) << spec;
    EXPECT_EQ(yd[2], 1.0) << spec;
  }
}

}  // namespace
}  // namespace dcopt

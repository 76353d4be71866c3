// natural (C_nat): structure, worst-case variance, unbiasedness, bit counts, edge cases.
#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/core/error.hpp"
#include "quant_test_support.hpp"

namespace dcopt {
namespace {

using namespace quant_test;

TEST(Natural, OutputsAreSignedPowersOfTwoOrZero) {
  auto c = make_compressor("natural");
  auto x = gaussian(1000, 1);
  x[3] = 0.0;
  x[4] = 0.75;  // between 1/2 and 1
  for (int draw = 0; draw < 5; ++draw) {
    auto out = round_trip(*c, x, draw);
    for (std::size_t j = 0; j < x.size(); ++j) {
      if (x[j] == 0.0) {
        EXPECT_EQ(out[j], 0.0);
        continue;
      }
      int e;
      EXPECT_EQ(std::fabs(std::frexp(out[j], &e)), 0.5) << "not a power of two: " << out[j];
      EXPECT_EQ(std::signbit(out[j]), std::signbit(x[j]));
      // one of the two neighbouring powers of two
      double a = std::ldexp(1.0, static_cast<int>(std::floor(std::log2(std::fabs(x[j])))));
      EXPECT_TRUE(std::fabs(out[j]) == a || std::fabs(out[j]) == 2 * a) << x[j] << " -> " << out[j];
    }
  }
}

TEST(Natural, WorstCaseVarianceOneEighthAtFourThirds) {
  // Q(t) in {8, 16} for t = (4/3) 8 with P(16) = 1/3: E(Q-t)^2 / t^2 = 1/8 exactly. The
  // estimator's standard deviation is sqrt(2/9) (1/4 - 1/16) / sqrt(T) = 2.8e-4 for T = 1e5; we
  // allow 1.5e-3 (> 5 sigma).
  auto c = make_compressor("natural");
  const int trials = 100000;
  for (double t : {32.0 / 3.0, -4.0 / 3.0 * 0x1p-20}) {
    MonteCarlo mc = monte_carlo(*c, {t}, trials);
    EXPECT_NEAR(mc.rel_err, 1.0 / 8.0, 1.5e-3) << t;
  }
  // elsewhere it is smaller: t = 1.1 * 2^e gives (0.1 * 0.9) / 1.21 = 0.0744
  MonteCarlo mc = monte_carlo(*c, {1.1}, trials);
  EXPECT_NEAR(mc.rel_err, 0.09 / 1.21, 1.5e-3);
}

TEST(Natural, UnbiasedAtSeveralDimensions) {
  const int trials = 100000;
  for (const char* spec : {"natural", "natural:precision=64"}) {
    auto c = make_compressor(spec);
    for (std::size_t d : {1u, 7u, 100u}) {
      auto x = gaussian(d, 2);
      MonteCarlo mc = monte_carlo(*c, x, trials);
      EXPECT_LT(mc.rel_bias, bias_tolerance(1.0 / 8, trials)) << spec << " d=" << d;
      EXPECT_LE(mc.rel_err, 1.02 / 8) << spec << " d=" << d;
    }
  }
}

TEST(Natural, ExactBitCounts) {
  for (std::size_t d : {1u, 7u, 100u, 1000u}) {
    auto x = gaussian(d, 3);
    Message m;
    round_trip(*make_compressor("natural"), x, 0, &m);
    EXPECT_EQ(m.bits, header_bits(d) + 9 * d);
    EXPECT_EQ(m.header_bits, header_bits(d));
    round_trip(*make_compressor("natural:precision=64"), x, 0, &m);
    EXPECT_EQ(m.bits, header_bits(d) + 12 * d);
  }
}

TEST(Natural, BelowSmallestNormalStaysUnbiased) {
  // 2^-130 at fp32 becomes 0 or 2^-126 with P = 1/16; 5e-324 (a double subnormal) at fp64
  // becomes 0 or 2^-1022.
  auto c32 = make_compressor("natural");
  const int trials = 100000;
  const double t = 0x1p-130;
  double sum = 0.0;
  for (int k = 0; k < trials; ++k) {
    double v = round_trip(*c32, {t}, k)[0];
    ASSERT_TRUE(v == 0.0 || v == 0x1p-126) << v;
    sum += v;
  }
  // Bernoulli(1/16) mean: sd = sqrt(15)/16/sqrt(T) = 7.7e-4 relative to 1/16 * 2^-126; 5 sd.
  EXPECT_NEAR(sum / trials / t, 1.0, 5 * std::sqrt(15.0) / std::sqrt(double(trials)));
  auto c64 = make_compressor("natural:precision=64");
  double v = round_trip(*c64, {-0x1p-1023}, 0)[0];
  EXPECT_TRUE(v == 0.0 || v == -0x1p-1022) << v;
}

TEST(Natural, OutOfRangeAndNonFiniteInputsAreRejectedByIndex) {
  auto c32 = make_compressor("natural");
  auto c64 = make_compressor("natural:precision=64");
  Rng rng(1, Purpose::test);
  std::vector<double> x = {1.0, 2.0, 0x1p128};
  try {
    c32->encode(x, rng);
    FAIL() << "2^128 must not fit precision=32";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("entry 2"), std::string::npos) << e.what();
  }
  // [2^127, 2^128) is fine: it rounds to 2^127 or 2^128
  for (int k = 0; k < 20; ++k) {
    double v = round_trip(*c32, {0x1.8p127}, k)[0];
    EXPECT_TRUE(v == 0x1p127 || v == 0x1p128);
  }
  EXPECT_NO_THROW(c64->encode(std::vector<double>{0x1p128, 0x1p1023}, rng));
  EXPECT_THROW(c64->encode(std::vector<double>{0x1.8p1023}, rng), InvalidArgument);
  EXPECT_THROW(c32->encode(std::vector<double>{0.0, NAN}, rng), InvalidArgument);
  EXPECT_THROW(c64->encode(std::vector<double>{-INFINITY}, rng), InvalidArgument);
}

TEST(Natural, NegativeZeroFieldIsRejected) {
  auto c = make_compressor("natural");
  Rng rng(1, Purpose::test);
  Message m = c->encode(std::vector<double>{0.0}, rng);  // header then field 0 (9 bits)
  auto bad = m.bytes;
  bad[2] = 0x00;
  bad[3] = 0x01;  // sign bit (bit 8 of the field) set with exponent 0
  std::vector<double> out(1, 0.0);
  EXPECT_THROW(c->decode(bad, out, Rng(1, Purpose::test)), DecodeError);
  EXPECT_EQ(out[0], 0.0);
}

}  // namespace
}  // namespace dcopt

// scaled_sign: magnitudes, signs (incl. sign(0) = +), exact error formula, bit counts.
#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/core/error.hpp"
#include "quant_test_support.hpp"

namespace dcopt {
namespace {

using namespace quant_test;

TEST(ScaledSign, MagnitudesEqualMeanAbsAndSignsMatch) {
  auto c = make_compressor("scaled_sign");
  for (std::size_t d : {1u, 63u, 64u, 65u, 130u, 1000u}) {
    auto x = gaussian(d, 12);
    x[0] = 0.0;
    double l1 = 0.0;
    for (double v : x) l1 += std::fabs(v);
    const double scale = static_cast<double>(static_cast<float>(l1 / static_cast<double>(d)));
    auto out = round_trip(*c, x, 0);
    for (std::size_t j = 0; j < d; ++j) {
      EXPECT_NEAR(std::fabs(out[j]), scale, 1e-6 * scale) << "d=" << d << " j=" << j;
      if (x[j] == 0.0) {
        EXPECT_NEAR(out[j], scale, 1e-6 * scale) << "sign(0) is +";
      } else {
        EXPECT_EQ(std::signbit(out[j]), std::signbit(x[j]));
      }
    }
  }
}

TEST(ScaledSign, ErrorMatchesTheFormulaAndTheDeclaredDelta) {
  auto c = make_compressor("scaled_sign:precision=64");
  for (std::size_t d : {1u, 7u, 100u}) {
    auto x = gaussian(d, 13);
    double l1 = 0.0;
    for (double v : x) l1 += std::fabs(v);
    const double xx = vec::norm2_sq(x);
    auto out = round_trip(*c, x, 0);
    const double err = vec::dist2_sq(out, x);
    EXPECT_NEAR(err, xx - l1 * l1 / static_cast<double>(d), 1e-10 * xx);
    EXPECT_LE(err, (1.0 - 1.0 / c->properties(d).delta) * xx);
  }
  // worst case: one non-zero entry, alpha = 1/d exactly
  std::vector<double> x(10, 0.0);
  x[4] = -3.0;
  auto out = round_trip(*c, x, 0);
  EXPECT_LE(vec::dist2_sq(out, x), (1.0 - 1.0 / c->properties(10).delta) * 9.0);
}

TEST(ScaledSign, ExactBitCounts) {
  for (std::size_t d : {1u, 7u, 64u, 100u, 1000u}) {
    Message m;
    round_trip(*make_compressor("scaled_sign"), gaussian(d, 14), 0, &m);
    EXPECT_EQ(m.bits, header_bits(d) + 32 + d);
    round_trip(*make_compressor("scaled_sign:precision=64"), gaussian(d, 14), 0, &m);
    EXPECT_EQ(m.bits, header_bits(d) + 64 + d);
  }
}

TEST(ScaledSign, HugeAndNonFiniteInputs) {
  Rng rng(1, Purpose::test);
  auto c32 = make_compressor("scaled_sign");
  auto c64 = make_compressor("scaled_sign:precision=64");
  EXPECT_THROW(c32->encode(std::vector<double>{1e300, 1.0}, rng), InvalidArgument);
  // ||x||_1 overflows but the mean does not
  auto out = round_trip(*c64, {1.5e308, -1.5e308}, 0);
  EXPECT_EQ(out[0], 1.5e308);
  EXPECT_EQ(out[1], -1.5e308);
  try {
    c64->encode(std::vector<double>{1.0, 2.0, NAN}, rng);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("entry 2"), std::string::npos) << e.what();
  }
}

TEST(ScaledSign, NegativeScaleIsRejected) {
  auto c = make_compressor("scaled_sign");
  Rng rng(1, Purpose::test);
  Message m = c->encode(gaussian(5, 15), rng);
  auto bad = m.bytes;
  bad[5] |= 0x80;  // sign bit of the fp32 scale (bytes 2..5)
  std::vector<double> out(5, 0.0);
  EXPECT_THROW(c->decode(bad, out, Rng(1, Purpose::test)), DecodeError);
}

}  // namespace
}  // namespace dcopt

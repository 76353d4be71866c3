// The eight-lane sum of squares under the l2 norm of qsgd and natural_dithering: its order of
// additions is part of the codecs' numbers, so it is pinned here against the order written out,
// and the AVX2 copy against the portable loop at every size through two full groups and the tail.
#include "dcopt/compress/sum_of_squares.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "dcopt/compress/quant_support.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

// Entry j into lane j % 8, lanes combined ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)).
double eight_lane_sum(const std::vector<double>& x) {
  double s[8] = {};
  for (std::size_t j = 0; j < x.size(); ++j) s[j % 8] += x[j] * x[j];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

std::vector<double> wide_input(std::size_t d, std::uint64_t seed) {
  Rng g(seed, Purpose::test, d);
  std::vector<double> x(d);
  for (double& v : x) {
    // Exponents over 40 octaves, so that most additions round: every order gives other bits.
    v = static_cast<double>(
        static_cast<float>(std::ldexp(g.normal(), static_cast<int>(g.below(40)) - 20)));
  }
  return x;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(SumOfSquares, IsTheEightLaneOrder) {
  for (std::size_t d : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 17u, 100u, 1001u}) {
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      const std::vector<double> x = wide_input(d, seed);
      const std::vector<float> xf(x.begin(), x.end());
      const double want = eight_lane_sum(x);
      const std::string where = "d=" + std::to_string(d) + " seed=" + std::to_string(seed);
      EXPECT_TRUE(same_bits(sum_of_squares(std::span<const double>(x)).sum, want)) << where;
      EXPECT_TRUE(same_bits(sum_of_squares(std::span<const float>(xf)).sum, want)) << where;
      EXPECT_TRUE(same_bits(sum_of_squares_portable(std::span<const double>(x)).sum, want))
          << where;
      EXPECT_TRUE(same_bits(sum_of_squares_portable(std::span<const float>(xf)).sum, want))
          << where;
    }
  }
}

// 2^27 and fifteen ones: the single chain loses every 1 against 2^54 (ulp 4) and gives 2^54; the
// eight lanes lose only lane 0's second 1: 2^54 + 12.
TEST(SumOfSquares, DiffersFromTheSingleChainWhereTheOrderMatters) {
  std::vector<double> x(16, 1.0);
  x[0] = 0x1p27;
  double chain = 0.0;
  for (double v : x) chain += v * v;
  ASSERT_EQ(chain, 0x1p54);
  EXPECT_EQ(sum_of_squares(std::span<const double>(x)).sum, 0x1p54 + 12.0);
  EXPECT_EQ(sum_of_squares_portable(std::span<const double>(x)).sum, 0x1p54 + 12.0);
}

TEST(SumOfSquares, Avx2CopyMatchesThePortableLoopAtEverySize) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2: the portable loop is the only path";
  for (std::size_t d = 0; d <= 70; ++d) {
    const std::vector<double> x = wide_input(d, 11);
    const std::vector<float> xf(x.begin(), x.end());
    const SquaresAndMax a = sum_of_squares(std::span<const double>(x));
    const SquaresAndMax b = sum_of_squares_portable(std::span<const double>(x));
    const SquaresAndMax af = sum_of_squares(std::span<const float>(xf));
    const SquaresAndMax bf = sum_of_squares_portable(std::span<const float>(xf));
    EXPECT_TRUE(same_bits(a.sum, b.sum)) << d;
    EXPECT_TRUE(same_bits(af.sum, bf.sum)) << d;
    EXPECT_TRUE(same_bits(a.sum, af.sum)) << d;
    EXPECT_EQ(a.max_abs, b.max_abs) << d;
    EXPECT_EQ(af.max_abs, bf.max_abs) << d;
    EXPECT_EQ(a.max_abs, af.max_abs) << d;
  }
}

// The largest magnitude in every position (each lane of both registers and the tail), negative.
TEST(SumOfSquares, MaxAbsFromEveryPosition) {
  for (std::size_t pos = 0; pos < 21; ++pos) {
    std::vector<double> x(21, 0.25);
    x[pos] = -3.5;
    const std::vector<float> xf(x.begin(), x.end());
    EXPECT_EQ(sum_of_squares(std::span<const double>(x)).max_abs, 3.5) << pos;
    EXPECT_EQ(sum_of_squares(std::span<const float>(xf)).max_abs, 3.5) << pos;
  }
}

// A non-finite entry or an overflowing square shows in the sum (the caller's check).
TEST(SumOfSquares, NonFiniteAndOverflowShowInTheSum) {
  for (std::size_t pos : {0u, 5u, 12u, 18u}) {
    std::vector<double> x(19, 1.0);
    x[pos] = std::nan("");
    EXPECT_FALSE(sum_of_squares(std::span<const double>(x)).sum <= 1e300) << pos;
    x[pos] = HUGE_VAL;
    EXPECT_FALSE(sum_of_squares(std::span<const double>(x)).sum <= 1e300) << pos;
    x[pos] = 1e200;
    const SquaresAndMax q = sum_of_squares(std::span<const double>(x));
    EXPECT_FALSE(q.sum <= 1e300) << pos;
    EXPECT_EQ(q.max_abs, 1e200) << pos;
  }
}

}  // namespace
}  // namespace dcopt

#include "dcopt/core/vec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

TEST(Vec, Kernels) {
  vec::Vec x{1, -2, 3}, y{4, 5, -6};
  EXPECT_DOUBLE_EQ(vec::dot(x, y), 4 - 10 - 18);
  EXPECT_DOUBLE_EQ(vec::norm2_sq(x), 14);
  EXPECT_DOUBLE_EQ(vec::norm1(x), 6);
  EXPECT_DOUBLE_EQ(vec::norm_inf(y), 6);
  EXPECT_DOUBLE_EQ(vec::dist2_sq(x, y), 9 + 49 + 81);
  vec::axpy(2, x, y);
  EXPECT_EQ(y, (vec::Vec{6, 1, 0}));
  vec::axpby(1, x, -1, y);
  EXPECT_EQ(y, (vec::Vec{-5, -3, 3}));
  vec::scale(0.5, x);
  EXPECT_EQ(x, (vec::Vec{0.5, -1, 1.5}));
  vec::Vec out(3);
  vec::sub(x, y, out);
  EXPECT_EQ(out, (vec::Vec{5.5, 2, -1.5}));
  EXPECT_TRUE(vec::all_finite(out));
  out[1] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(vec::all_finite(out));
}

TEST(Vec, SizeMismatchThrows) {
  vec::Vec a(3), b(4);
  EXPECT_THROW(vec::dot(a, b), std::invalid_argument);
  EXPECT_THROW(vec::axpy(1, a, b), std::invalid_argument);
}

TEST(VecFloat, KernelsComputeInFloat) {
  std::vector<float> x{1, -2, 3}, y{4, 5, -6};
  EXPECT_EQ(vec::dot(x, y), 4.0 - 10 - 18);
  EXPECT_EQ(vec::norm2_sq(x), 14.0);
  EXPECT_EQ(vec::norm1(x), 6.0);
  EXPECT_EQ(vec::norm_inf(y), 6.0);
  EXPECT_EQ(vec::dist2_sq(x, y), 9.0 + 49 + 81);
  vec::axpy(2.0f, x, y);
  EXPECT_EQ(y, (std::vector<float>{6, 1, 0}));
  vec::axpby(1.0f, x, -1.0f, y);
  EXPECT_EQ(y, (std::vector<float>{-5, -3, 3}));
  vec::scale(0.5f, x);
  EXPECT_EQ(x, (std::vector<float>{0.5f, -1, 1.5f}));
  std::vector<float> out(3);
  vec::sub(x, y, out);
  EXPECT_EQ(out, (std::vector<float>{5.5f, 2, -1.5f}));
  std::vector<float> c(3);
  vec::copy(out, c);
  EXPECT_EQ(c, out);
  vec::fill(c, 0.25f);
  EXPECT_EQ(c, (std::vector<float>{0.25f, 0.25f, 0.25f}));
  EXPECT_TRUE(vec::all_finite(out));
  out[1] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(vec::all_finite(out));
  out[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(vec::all_finite(out));
}

TEST(VecFloat, ElementwiseKernelsRoundInFloat) {
  // 1 + 2^-30 is not a float: a float axpy must round it away, a double one would keep it.
  std::vector<float> x{0x1p-30f}, y{1.0f};
  vec::axpy(1.0f, x, y);
  EXPECT_EQ(y[0], 1.0f);
  vec::axpby(1.0f, x, 1.0f, y);
  EXPECT_EQ(y[0], 1.0f);
}

TEST(VecFloat, ReductionsEqualThoseOfTheExactDoubleCopy) {
  // Accumulation in double, in index order: bit-identical to the double kernels on the widened
  // vector, including values whose float squares or sums would overflow or lose bits.
  Rng rng(1, Purpose::test);
  const std::size_t d = 1001;
  std::vector<float> xf(d), yf(d);
  for (std::size_t i = 0; i < d; ++i) {
    xf[i] = static_cast<float>(rng.normal() * std::ldexp(1.0, static_cast<int>(i % 200) - 100));
    yf[i] = static_cast<float>(rng.normal());
  }
  xf[7] = 3e38f;  // its float square overflows
  std::vector<double> xd(xf.begin(), xf.end()), yd(yf.begin(), yf.end());
  EXPECT_EQ(vec::dot(xf, yf), vec::dot(xd, yd));
  EXPECT_EQ(vec::norm2_sq(xf), vec::norm2_sq(xd));
  EXPECT_TRUE(std::isfinite(vec::norm2_sq(xf)));
  EXPECT_EQ(vec::norm2(xf), vec::norm2(xd));
  EXPECT_EQ(vec::norm1(xf), vec::norm1(xd));
  EXPECT_EQ(vec::norm_inf(xf), vec::norm_inf(xd));
  EXPECT_EQ(vec::dist2_sq(xf, yf), vec::dist2_sq(xd, yd));
}

TEST(Vec, ReductionsSumInIndexOrder) {
  // 1 + 2^-53 + 2^-53 is 1 summed left to right but 1 + 2^-52 if the small terms were added
  // first: the kernels must give the left-to-right result (bit-reproducibility).
  vec::Vec x{1.0, 0x1p-53, 0x1p-53}, ones{1.0, 1.0, 1.0};
  EXPECT_EQ(vec::dot(x, ones), 1.0);
  EXPECT_EQ(vec::norm1(x), 1.0);
  std::vector<float> xf{1.0f, 0x1p-53f, 0x1p-53f}, onesf{1.0f, 1.0f, 1.0f};
  EXPECT_EQ(vec::dot(xf, onesf), 1.0);
  EXPECT_EQ(vec::norm1(xf), 1.0);
}

TEST(VecFloat, SizeMismatchThrows) {
  std::vector<float> a(3), b(4);
  EXPECT_THROW(vec::dot(a, b), std::invalid_argument);
  EXPECT_THROW(vec::axpy(1.0f, a, b), std::invalid_argument);
  EXPECT_THROW(vec::axpby(1.0f, a, 1.0f, b), std::invalid_argument);
  EXPECT_THROW(vec::sub(a, a, b), std::invalid_argument);
  EXPECT_THROW(vec::copy(a, b), std::invalid_argument);
  EXPECT_THROW(vec::dist2_sq(a, b), std::invalid_argument);
}

}  // namespace
}  // namespace dcopt

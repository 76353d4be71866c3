#include "dcopt/core/vec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

}  // namespace
}  // namespace dcopt

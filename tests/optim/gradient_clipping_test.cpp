#include "dcopt/optim/gradient_clipping.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {
namespace {

TEST(GradientClipping, AboveMaxScalesToTheMaxNorm) {
  std::vector<float> g{3.0f, 4.0f, 0.0f, 12.0f};  // norm 13, over the whole buffer
  const double norm = clip_global_norm(g, 1.0);
  EXPECT_EQ(norm, 13.0);
  const float c = static_cast<float>(1.0 / (13.0 + 1e-6));
  EXPECT_EQ(g, (std::vector<float>{3.0f * c, 4.0f * c, 0.0f, 12.0f * c}));
  // The clipped norm is max_norm * 13 / (13 + 1e-6) up to float rounding (relative 1e-7).
  EXPECT_NEAR(vec::norm2(std::span<const float>(g)), 1.0, 2e-7);
}

TEST(GradientClipping, BelowMaxLeavesTheGradientUntouched) {
  std::vector<float> g{0.3f, -0.4f};
  const std::vector<float> before = g;
  const double norm = clip_global_norm(g, 1.0);
  // The norm of the float entries, accumulated in double.
  EXPECT_EQ(norm, std::sqrt(static_cast<double>(0.3f) * 0.3f + static_cast<double>(0.4f) * 0.4f));
  EXPECT_EQ(g, before);
}

TEST(GradientClipping, NonFiniteNormIsReturnedAndNothingChanges) {
  std::vector<float> g{1.0f, INFINITY};
  EXPECT_TRUE(std::isinf(clip_global_norm(g, 1.0)));
  EXPECT_EQ(g[0], 1.0f);
}

TEST(GradientClipping, MaxNormMustBePositive) {
  std::vector<float> g{1.0f};
  EXPECT_THROW(clip_global_norm(g, 0.0), InvalidArgument);
  EXPECT_THROW(clip_global_norm(g, -1.0), InvalidArgument);
}

}  // namespace
}  // namespace dcopt

#include <gtest/gtest.h>

#include "common_checks.hpp"

namespace dcopt::testing {
namespace {

const std::string kRandK = "randk:k=2,precision=64";

TEST(Diana, IdentityCodecAlphaOneGivesGd) {
  expect_reduces_to_gd("diana", identity64({{"alpha", 1.0}}));
  expect_reduces_to_gd("diana", identity64({{"alpha", 1.0}, {"variant", std::string("reference")}}),
                       3);
}

TEST(Diana, ConvergesWithTheoryStepsize) {
  // The quadratic declares strong convexity, so "auto" picks the convex rule.
  RunResult r =
      expect_converges("diana", settings({{"codec", kRandK}}), heterogeneous_quadratic(5), 20000);
  EXPECT_EQ(r.parameters["convex_rule"], 1.0);
  expect_converges("diana",
                   settings({{"codec", kRandK}, {"stepsize_rule", std::string("nonconvex")}}),
                   heterogeneous_quadratic(5), 200000);
  expect_converges("diana", settings({{"codec", kRandK}, {"variant", std::string("reference")}}),
                   heterogeneous_quadratic(5), 20000);
}

TEST(Diana, ReferenceVariantDiffers) {
  QuadraticSpec q = heterogeneous_quadratic(5);
  RunOptions run;
  RunResult a = run_method("diana", settings({{"codec", kRandK}}), q, run);
  RunResult b = run_method(
      "diana", settings({{"codec", kRandK}, {"variant", std::string("reference")}}), q, run);
  EXPECT_FALSE(same_bits(a, b));
}

TEST(Diana, Deterministic) {
  expect_deterministic("diana", settings({{"codec", kRandK}}), heterogeneous_quadratic(5));
}

TEST(Diana, BadSettings) {
  expect_invalid("diana", settings({{"codec", std::string("topk:k=1")}}), {"topk", "biased"});
  expect_invalid("diana", settings({{"alpha", 0.0}}), {"alpha", "0 < alpha <= 1"});
  expect_invalid("diana", settings({{"variant", std::string("x")}}), {"variant", "textbook"});
  expect_invalid("diana", settings({{"stepsize_rule", std::string("x")}}), {"stepsize_rule"});
  expect_invalid("diana", settings({{"batch", std::int64_t{3}}}), {"batch", "valid keys"});
}

}  // namespace
}  // namespace dcopt::testing

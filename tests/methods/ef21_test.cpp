#include <gtest/gtest.h>

#include "common_checks.hpp"

namespace dcopt::testing {
namespace {

const std::string kTopK = "topk:k=2,precision=64";

TEST(Ef21, IdentityCodecGivesGd) {
  // Theory stepsize at delta = 1 is 1/L_f, GD's: not set explicitly.
  expect_reduces_to_gd("ef21", identity64({}), 5, false);
  expect_reduces_to_gd("ef21", identity64({}), 3, false);
}

TEST(Ef21, ConvergesWithTheoryStepsize) {
  expect_converges("ef21", settings({{"codec", kTopK}}), heterogeneous_quadratic(5), 200000);
  expect_converges("ef21", settings({{"codec", kTopK}, {"init", std::string("compressed")}}),
                   heterogeneous_quadratic(5), 200000);
  expect_converges("ef21", settings({{"codec", kTopK}}), heterogeneous_quadratic(1), 200000, 1);
  expect_converges(
      "ef21",
      settings({{"codec", std::string("randk:k=2,precision=64")}, {"scale_unbiased", true}}),
      heterogeneous_quadratic(5), 200000);
}

TEST(Ef21, BitsPerRound) {
  RunOptions run;
  run.max_rounds = 5;
  RunResult r = run_method("ef21", settings({{"codec", kTopK}}), heterogeneous_quadratic(5), run);
  RunResult c =
      run_method("ef21", settings({{"codec", kTopK}, {"init", std::string("compressed")}}),
                 heterogeneous_quadratic(5), run);
  // Exact init sends a dense gradient, compressed init a TopK message; rounds send TopK.
  EXPECT_GT(r.init_costs[0].bits_up, c.init_costs[0].bits_up);
  EXPECT_EQ(c.init_costs[0].bits_up, r.costs[0][0].bits_up);
  for (const auto& w : r.costs) {
    for (const auto& cost : w) EXPECT_EQ(cost.full_grads, 1u);
  }
}

TEST(Ef21, Deterministic) {
  expect_deterministic(
      "ef21",
      settings({{"codec", std::string("randk:k=2,precision=64")}, {"scale_unbiased", true}}),
      heterogeneous_quadratic(5));
}

TEST(Ef21, BadSettings) {
  expect_invalid("ef21", settings({{"codec", std::string("randk:k=2")}}),
                 {"randk", "not contractive", "scale_unbiased = true"});
  expect_invalid("ef21", settings({{"init", std::string("zero")}}), {"init", "exact"});
  expect_invalid("ef21", settings({{"gamma", -1.0}}), {"gamma"});
}

}  // namespace
}  // namespace dcopt::testing

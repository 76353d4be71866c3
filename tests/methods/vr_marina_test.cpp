#include <gtest/gtest.h>

#include "common_checks.hpp"

namespace dcopt::testing {
namespace {

const std::string kRandK = "randk:k=2,precision=64";

TEST(VrMarina, ConvergesWithTheoryStepsize) {
  expect_converges("vr_marina", settings({{"codec", kRandK}, {"batch", std::int64_t{4}}}),
                   heterogeneous_quadratic(5), 200000);
}

TEST(VrMarina, FullBatchIsMarina) {
  // b' = m without replacement: the minibatch difference is the full-gradient difference (summed
  // in another order, hence round-off only), with the same coin and codec streams.
  QuadraticSpec q = heterogeneous_quadratic(5);
  RunOptions run;
  Settings s = settings({{"codec", kRandK}, {"p", 0.2}, {"gamma", 0.05}});
  RunResult m = run_method("marina", s, q, run);
  s.set("batch", std::int64_t{40});
  RunResult v = run_method("vr_marina", s, q, run);
  expect_same_trajectory(v, m, 1e-11);
}

TEST(VrMarina, OracleCounts) {
  RunOptions run;
  run.max_rounds = 300;
  run.record_iterates = false;
  RunResult r = run_method("vr_marina", settings({{"codec", kRandK}, {"batch", std::int64_t{3}}}),
                           heterogeneous_quadratic(5), run);
  // p = min(k/d, b'/(m+b')) = min(0.2, 3/43).
  EXPECT_DOUBLE_EQ(r.parameters["p"], 3.0 / 43.0);
  EXPECT_EQ(r.init_costs[0].sample_grads, 40u);
  int full = 0;
  for (std::size_t k = 0; k < r.costs[0].size(); ++k) {
    for (const auto& w : r.costs) {
      const StepCost& c = w[k];
      if (c.full_grads == 1) {
        ASSERT_EQ(c.sample_grads, 40u);  // m
      } else {
        ASSERT_EQ(c.full_grads, 0u);
        ASSERT_EQ(c.sample_grads, 6u);  // 2b'
      }
      ASSERT_EQ(c.full_grads, r.costs[0][k].full_grads);
    }
    full += static_cast<int>(r.costs[0][k].full_grads);
  }
  EXPECT_GT(full, 0);
  EXPECT_LT(full, 300);
}

TEST(VrMarinaOnline, ConvergesOnInterpolatingProblem) {
  // Sampled gradients have variance sigma^2 > 0 except where every grad f_ij vanishes: only an
  // interpolating problem lets the online method reach 1e-10 (Thm 3.2's sigma^2/(nb) floor is 0).
  expect_converges(
      "vr_marina_online",
      settings({{"codec", kRandK}, {"batch", std::int64_t{40}}, {"batch_diff", std::int64_t{4}}}),
      interpolating_quadratic(5), 200000);
}

TEST(VrMarinaOnline, OracleCounts) {
  RunOptions run;
  run.max_rounds = 300;
  run.record_iterates = false;
  RunResult r = run_method(
      "vr_marina_online",
      settings({{"codec", kRandK}, {"batch", std::int64_t{100}}, {"batch_diff", std::int64_t{5}}}),
      interpolating_quadratic(5), run);
  EXPECT_DOUBLE_EQ(r.parameters["p"], 5.0 / 105.0);
  EXPECT_EQ(r.init_costs[0].sample_grads, 100u);  // b > m is allowed: draws with replacement
  EXPECT_EQ(r.init_costs[0].full_grads, 0u);
  for (const auto& w : r.costs) {
    for (const StepCost& c : w) ASSERT_TRUE(c.sample_grads == 100u || c.sample_grads == 10u);
  }
}

TEST(VrMarina, Deterministic) {
  expect_deterministic("vr_marina", settings({{"codec", kRandK}}), heterogeneous_quadratic(5));
  expect_deterministic("vr_marina_online", settings({{"codec", kRandK}}),
                       interpolating_quadratic(5));
}

TEST(VrMarina, BadSettings) {
  expect_invalid("vr_marina", settings({{"batch", std::int64_t{41}}}), {"batch", "<= 40", "m"});
  expect_invalid("vr_marina", settings({{"batch", std::int64_t{0}}}), {"batch", "1 <= batch"});
  expect_invalid("vr_marina", settings({{"p", -0.1}}), {"p", "0 < p <= 1"});
  expect_invalid("vr_marina", settings({{"batch_diff", std::int64_t{3}}}),
                 {"batch_diff", "valid keys"});
  expect_invalid("vr_marina_online", settings({{"batch_diff", std::int64_t{0}}}), {"batch_diff"});
  expect_invalid("vr_marina", settings({{"codec", std::string("topk:k=1")}}), {"topk", "biased"});
}

}  // namespace
}  // namespace dcopt::testing

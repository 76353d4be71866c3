#include <gtest/gtest.h>

#include "common_checks.hpp"

namespace dcopt::testing {
namespace {

const std::string kRandK = "randk:k=2,precision=64";

TEST(PpMarina, ConvergesWithTheoryStepsize) {
  expect_converges("pp_marina", settings({{"codec", kRandK}}), heterogeneous_quadratic(5), 200000);
  expect_converges("pp_marina",
                   settings({{"codec", kRandK},
                             {"sampling", std::string("without_replacement")},
                             {"clients", std::int64_t{2}}}),
                   heterogeneous_quadratic(5), 200000);
}

TEST(PpMarina, AllClientsWithoutReplacementIsMarinaBitwise) {
  // r = n distinct clients: every worker sends with weight 1/n on the same streams as MARINA.
  QuadraticSpec q = heterogeneous_quadratic(5);
  RunOptions run;
  Settings s = settings({{"codec", kRandK}, {"p", 0.2}, {"gamma", 0.05}});
  RunResult m = run_method("marina", s, q, run);
  s.set("clients", std::int64_t{5});
  s.set("sampling", std::string("without_replacement"));
  RunResult pp = run_method("pp_marina", s, q, run);
  EXPECT_TRUE(same_bits(pp, m));
}

TEST(PpMarina, IdleWorkersSendNothing) {
  RunOptions run;
  run.max_rounds = 400;
  run.record_iterates = false;
  RunResult r = run_method("pp_marina", settings({{"codec", kRandK}, {"clients", std::int64_t{2}}}),
                           heterogeneous_quadratic(5), run);
  EXPECT_DOUBLE_EQ(r.parameters["p"], 0.2 * 2 / 5);  // zeta r/(d n)
  std::uint64_t dense_bits = r.init_costs[0].bits_up;
  int idle = 0, multi = 0;
  for (std::size_t k = 0; k < r.costs[0].size(); ++k) {
    int senders = 0;
    bool dense = r.costs[0][k].bits_up == dense_bits;
    for (const auto& w : r.costs) {
      const StepCost& c = w[k];
      EXPECT_EQ(c.bits_down, dense_bits);  // replicas stay current
      if (dense) {
        ASSERT_EQ(c.bits_up, dense_bits);
        ASSERT_EQ(c.full_grads, 1u);
      } else if (c.bits_up == 0) {
        ASSERT_EQ(c.full_grads, 0u);  // an idle worker computes nothing
        ++idle;
      } else {
        ASSERT_GE(c.full_grads, 1u);
        ASSERT_LE(c.full_grads, 2u);
        ++senders;
      }
    }
    // 2 draws with replacement: 1 or 2 distinct senders.
    if (!dense) {
      ASSERT_GE(senders, 1);
      ASSERT_LE(senders, 2);
      multi += senders == 1;
    }
  }
  EXPECT_GT(idle, 0);
  EXPECT_GT(multi, 0);  // P(same worker drawn twice) = 1/5: it happens in 400 rounds
}

TEST(PpMarina, Deterministic) {
  expect_deterministic("pp_marina", settings({{"codec", kRandK}}), heterogeneous_quadratic(5));
}

TEST(PpMarina, BadSettings) {
  expect_invalid("pp_marina", settings({{"clients", std::int64_t{6}}}), {"clients", "<= 5"});
  expect_invalid("pp_marina", settings({{"clients", std::int64_t{0}}}), {"clients"});
  expect_invalid("pp_marina", settings({{"p", 0.0}}), {"p", "0 < p <= 1"});
  expect_invalid("pp_marina", settings({{"sampling", std::string("x")}}), {"sampling"});
  expect_invalid("pp_marina", settings({{"codec", std::string("topk:k=1")}}), {"topk", "biased"});
}

}  // namespace
}  // namespace dcopt::testing

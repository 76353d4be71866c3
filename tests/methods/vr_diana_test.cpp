#include <gtest/gtest.h>

#include "common_checks.hpp"

namespace dcopt::testing {
namespace {

const std::string kRandK = "randk:k=5,precision=64";

QuadraticSpec small_problem() {
  // d = 5, m = 40: VR-DIANA's theory stepsize 1/(10 L sqrt(1+omega/n)(m_eff^{2/3}+omega+1)) is
  // conservative; a well-conditioned problem keeps the test short.
  QuadraticSpec q = heterogeneous_quadratic(5);
  q.dim = 5;
  return q;
}

TEST(VrDiana, ConvergesWithTheoryStepsize) {
  expect_converges("vr_diana", settings({{"codec", kRandK}, {"batch", std::int64_t{10}}}),
                   small_problem(), 200000);
}

TEST(VrDiana, OracleCounts) {
  // 2b sample gradients per round, plus a full pass (m) on the shared refresh rounds.
  RunOptions run;
  run.max_rounds = 400;
  run.record_iterates = false;
  RunResult r = run_method("vr_diana", settings({{"codec", kRandK}, {"batch", std::int64_t{4}}}),
                           small_problem(), run);
  EXPECT_EQ(r.parameters["p"], 0.1);  // default b/m
  EXPECT_EQ(r.init_costs[0].sample_grads, 40u);
  int refresh = 0;
  for (std::size_t k = 0; k < r.costs[0].size(); ++k) {
    for (const auto& w : r.costs) {
      ASSERT_EQ(w[k].full_grads, r.costs[0][k].full_grads) << "refresh coin not shared";
      ASSERT_EQ(w[k].sample_grads, 8u + 40u * w[k].full_grads);
    }
    refresh += static_cast<int>(r.costs[0][k].full_grads);
  }
  // Binomial(400, 0.1): mean 40, sd 6; 5 sd.
  EXPECT_NEAR(refresh, 40, 30);
}

TEST(VrDiana, Deterministic) {
  expect_deterministic("vr_diana", settings({{"codec", kRandK}}), small_problem());
}

TEST(VrDiana, BadSettings) {
  expect_invalid("vr_diana", settings({{"batch", std::int64_t{41}}}), {"batch", "<= 40", "m"});
  expect_invalid("vr_diana", settings({{"p", 2.0}}), {"p", "0 < p <= 1"});
  expect_invalid("vr_diana", settings({{"codec", std::string("topk:k=1")}}), {"topk", "biased"});
}

}  // namespace
}  // namespace dcopt::testing

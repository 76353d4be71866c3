#include <gtest/gtest.h>

#include <cmath>

#include "common_checks.hpp"
#include "dcopt/compress/registry.hpp"

namespace dcopt::testing {
namespace {

const std::string kRandK = "randk:k=2,precision=64";

TEST(Marina, IdentityCodecGivesGd) {
  // p < 1 so that compressed (identity) rounds g^k + mean(a_i - b_i) really happen.
  expect_reduces_to_gd("marina", identity64({{"p", 0.3}}));
  expect_reduces_to_gd("marina", identity64({{"p", 0.3}}), 1);
  expect_reduces_to_gd("marina", identity64({{"p", 0.3}}), 3);
}

TEST(Marina, POneGivesGdBitwise) {
  // With p = 1 every round is a dense round: the same operations as GD in the same order.
  QuadraticSpec q = heterogeneous_quadratic(5);
  RunOptions run;
  RunResult gd = run_method("gd", dense64({}), q, run);
  Settings s = identity64({{"p", 1.0}, {"gamma", gd.parameters["gamma"]}});
  s.set("codec", kRandK);
  RunResult m = run_method("marina", s, q, run);
  EXPECT_TRUE(same_bits(m, gd));
}

TEST(Marina, ConvergesWithTheoryStepsize) {
  expect_converges("marina", settings({{"codec", kRandK}}), heterogeneous_quadratic(5), 20000);
  expect_converges("marina", settings({{"codec", kRandK}}), heterogeneous_quadratic(3), 20000, 3);
}

TEST(Marina, Deterministic) {
  expect_deterministic("marina", settings({{"codec", kRandK}}), heterogeneous_quadratic(5));
}

TEST(Marina, SharedIndicesChangesTheTrajectoryDeterministically) {
  QuadraticSpec q = heterogeneous_quadratic(5);
  RunOptions run;
  RunResult a = run_method("marina", settings({{"codec", kRandK}}), q, run);
  Settings shared = settings({{"codec", kRandK}, {"shared_indices", true}});
  RunResult b = run_method("marina", shared, q, run);
  RunResult c = run_method("marina", shared, q, run);
  EXPECT_FALSE(same_bits(a, b));
  EXPECT_TRUE(same_bits(b, c));
  EXPECT_TRUE(b.replicas_identical);
}

TEST(Marina, UplinkBitsAverageToTheExpectedMix) {
  // Per round a worker sends either a dense gradient (B_dense bits) or Q(diff) (B_q bits; RandK
  // messages have a size fixed by d and k). The fraction of dense rounds is a Binomial(R, p)/R
  // mean, so the average bits deviate from p B_dense + (1-p) B_q by
  // sd = |B_dense - B_q| sqrt(p(1-p)/R); we allow 5 sd (false alarm ~ 6e-7).
  QuadraticSpec q = heterogeneous_quadratic(5);
  RunOptions run;
  run.max_rounds = 3000;
  run.record_iterates = false;
  // Theory p = k/d = 0.2.
  RunResult r =
      run_method("marina", settings({{"codec", kRandK}, {"precision", std::int64_t{64}}}), q, run);
  const double p = r.parameters["p"];
  ASSERT_NEAR(p, 0.2, 1e-15);
  Rng rng(1, Purpose::test);
  vec::Vec x(10, 1.0);
  const double b_dense =
      static_cast<double>(make_compressor("identity:precision=64")->encode(x, rng).bits);
  const double b_q = static_cast<double>(make_compressor(kRandK)->encode(x, rng).bits);
  for (std::size_t w = 0; w < r.costs.size(); ++w) {
    double sum = 0;
    for (std::size_t k = 0; k < r.costs[w].size(); ++k) {
      const double bits = static_cast<double>(r.costs[w][k].bits_up);
      ASSERT_TRUE(bits == b_dense || bits == b_q) << "round " << k + 1 << ": " << bits;
      // The coin is shared: every worker does the same kind of round.
      ASSERT_EQ(r.costs[w][k].bits_up, r.costs[0][k].bits_up);
      EXPECT_EQ(r.costs[w][k].full_grads, 1u);
      EXPECT_EQ(r.costs[w][k].bits_down, static_cast<std::uint64_t>(b_dense));
      sum += bits;
    }
    const double R = static_cast<double>(r.costs[w].size());
    const double expected = p * b_dense + (1 - p) * b_q;
    const double sd = (b_dense - b_q) * std::sqrt(p * (1 - p) / R);
    EXPECT_NEAR(sum / R, expected, 5 * sd);
  }
  // The initial exchange (g^0 = grad f(x^0)) is reported separately: one dense gradient.
  EXPECT_EQ(r.init_costs[0].bits_up, static_cast<std::uint64_t>(b_dense));
}

TEST(Marina, BadSettings) {
  expect_invalid("marina", settings({{"p", 0.0}}), {"p", "0 < p <= 1"});
  expect_invalid("marina", settings({{"p", 1.5}}), {"p", "0 < p <= 1"});
  expect_invalid("marina", settings({{"codec", std::string("topk:k=1")}}), {"topk", "biased"});
  expect_invalid("marina", settings({{"colour", std::string("red")}}), {"colour", "valid keys"});
  expect_invalid("marina", settings({{"shared_indices", 3.0}}), {"shared_indices"});
}

}  // namespace
}  // namespace dcopt::testing

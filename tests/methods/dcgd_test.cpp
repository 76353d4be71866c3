#include <gtest/gtest.h>

#include "common_checks.hpp"

namespace dcopt::testing {
namespace {

const std::string kRandK = "randk:k=2,precision=64";

TEST(Dcgd, IdentityCodecGivesGd) {
  // Default stepsize 1/(L_f + L_max omega/n) is GD's 1/L_f at omega = 0: not set explicitly.
  expect_reduces_to_gd("dcgd", identity64({}), 5, false);
}

TEST(Dcgd, ConvergesOnInterpolatingProblem) {
  // DCGD's fixed point is exact only if every grad f_i(x*) = 0: the compression noise
  // omega/n^2 sum ||grad f_i(x^k)||^2 then vanishes at x*. Interpolating quadratic.
  expect_converges("dcgd", settings({{"codec", kRandK}}), interpolating_quadratic(5), 20000);
}

TEST(Dcgd, StallsOnHeterogeneousProblem) {
  // The counterpart: with grad f_i(x*) != 0 the noise floor stays far above 1e-10.
  RunOptions run;
  run.max_rounds = 3000;
  run.record_iterates = false;
  RunResult r = run_method("dcgd", settings({{"codec", kRandK}}), heterogeneous_quadratic(5), run);
  EXPECT_GT(r.grad_norm_sq.back(), 1e-8);
}

TEST(Dcgd, Deterministic) {
  expect_deterministic("dcgd", settings({{"codec", kRandK}}), interpolating_quadratic(5));
}

TEST(Dcgd, BadSettings) {
  expect_invalid("dcgd", settings({{"codec", std::string("topk:k=1")}}), {"topk", "biased"});
  expect_invalid("dcgd", settings({{"p", 0.5}}), {"'p'", "valid keys"});
}

}  // namespace
}  // namespace dcopt::testing

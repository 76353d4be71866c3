#include <gtest/gtest.h>

#include "common_checks.hpp"

namespace dcopt::testing {
namespace {

const std::string kTopK = "topk:k=2,precision=64";

TEST(Ef, IdentityCodecGivesGd) {
  // Default stepsize 1/(delta L_f) = 1/L_f (GD) for the identity: not set explicitly.
  expect_reduces_to_gd("ef", identity64({}), 5, false);
  expect_reduces_to_gd("ef", identity64({}), 1, false);
}

TEST(Ef, ConvergesOnInterpolatingProblem) {
  // EF's error memories settle at zero only if every grad f_i(x*) = 0; with heterogeneous data
  // e_i keeps absorbing what C drops of grad f_i(x*) != 0. Interpolating quadratic.
  expect_converges("ef", settings({{"codec", kTopK}}), interpolating_quadratic(5), 200000);
  expect_converges(
      "ef", settings({{"codec", std::string("randk:k=2,precision=64")}, {"scale_unbiased", true}}),
      interpolating_quadratic(5), 200000);
}

TEST(Ef, Deterministic) {
  // TopK is deterministic: the randomness is RandK's.
  expect_deterministic(
      "ef", settings({{"codec", std::string("randk:k=2,precision=64")}, {"scale_unbiased", true}}),
      interpolating_quadratic(5));
}

TEST(Ef, BadSettings) {
  expect_invalid("ef", settings({{"codec", std::string("randk:k=2")}}),
                 {"randk", "not contractive", "scale_unbiased"});
  expect_invalid("ef", settings({{"codec", std::string("topk:k=2")}, {"scale_unbiased", true}}),
                 {"topk", "not unbiased"});
  expect_invalid("ef", settings({{"alpha", 0.5}}), {"alpha", "valid keys"});
}

}  // namespace
}  // namespace dcopt::testing

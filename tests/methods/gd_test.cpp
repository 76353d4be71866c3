#include <gtest/gtest.h>

#include "common_checks.hpp"

namespace dcopt::testing {
namespace {

TEST(Gd, CodecKeyIsRejected) {
  // GD sends dense vectors: a `codec` would be reported in the output while the wire stays
  // dense. The message names the key and the compressed variants to use instead.
  expect_invalid("gd", settings({{"codec", std::string("randk:k=1")}}),
                 {"codec", "gd", "dcgd", "marina"});
  // Even the identity codec: the precision key says how dense vectors travel.
  expect_invalid("gd", settings({{"codec", std::string("identity:precision=64")}}),
                 {"codec", "precision"});
}

TEST(Gd, ReportsTheDenseCodecItSends) {
  QuadraticSpec q = heterogeneous_quadratic(5);
  QuadraticObjective f = make_quadratic_worker(q, 0);
  ProblemConstants c;
  c.dim = f.dim();
  c.workers = 5;
  c.L_f = c.L_tilde = c.L_max = f.smoothness();
  c.L_samples = f.mean_sample_smoothness();
  c.m_min = c.m_max = f.num_samples();
  MinimizationSetup setup{f, c, vec::Vec(f.dim(), 0.0)};
  Settings s32 = settings({});
  EXPECT_EQ(make_minimization_method("gd", s32, setup)->codec(), "identity:precision=32");
  Settings s64 = dense64({});
  EXPECT_EQ(make_minimization_method("gd", s64, setup)->codec(), "identity:precision=64");
}

TEST(Gd, ConvergesWithTheoryStepsize) {
  // The dense parent every compressed method is compared with: it must reach 1e-10 on its own.
  expect_converges("gd", dense64({}), heterogeneous_quadratic(5), 20000);
}

}  // namespace
}  // namespace dcopt::testing

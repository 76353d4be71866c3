// NormalizedUpdate (ScaLA's Algorithm 1, line 13): two steps by hand on the two-tensor fixture,
// per-tensor (not global) norms, the clip nu, the edge cases, state and option checks.
#include "dcopt/optim/normalized_update.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/optim/optimizer_config.hpp"
#include "optim/two_tensor_net.hpp"

namespace dcopt {
namespace {

using namespace optim_test;
using ::testing::HasSubstr;

// One step written out: the per-tensor factor in double, rounded to float once, then the float
// update. `global` = one norm over the whole buffer (the wrong, non-groupwise variant).
std::vector<float> reference_step(std::vector<float> p, const std::vector<float>& g, double lr,
                                  double lo, double hi, bool global = false) {
  const std::size_t begin[2] = {0, 6}, end[2] = {6, 9};
  const double xall = slice_norm(p, 0, 9), gall = slice_norm(g, 0, 9);
  std::vector<float> out = p;
  for (int k = 0; k < 2; ++k) {
    const double xn = global ? xall : slice_norm(p, begin[k], end[k]);
    const double gn = global ? gall : slice_norm(g, begin[k], end[k]);
    const float scale = static_cast<float>(lr * std::max(lo, std::min(xn, hi)) / gn);
    for (std::size_t i = begin[k]; i < end[k]; ++i) out[i] = p[i] - scale * g[i];
  }
  return out;
}

TEST(NormalizedUpdate, TwoStepsMatchTheFormula) {
  NormalizedUpdate rule(two_tensor_layout(), {});
  EXPECT_EQ(rule.options().nu_min, 0.0);
  EXPECT_EQ(rule.options().nu_max, 10.0);
  std::vector<float> p = start_params();
  rule.step(p, grad1(), 0.05);
  rule.step(p, grad2(), 0.05);
  std::vector<float> want = reference_step(start_params(), grad1(), 0.05, 0.0, 10.0);
  want = reference_step(want, grad2(), 0.05, 0.0, 10.0);
  EXPECT_EQ(p, want);
  EXPECT_EQ(rule.steps(), 2u);
  // A hand check of the first step's "b" entries: ||x_b|| = sqrt(0.01 + 0.04 + 0.0025) = 0.2291,
  // ||g_b|| = sqrt(0.25 + 0.01 + 0.0625) = 0.5679, so b0 = 0.1 - 0.05 * 0.2291 / 0.5679 * 0.5.
  std::vector<float> one = start_params();
  NormalizedUpdate fresh(two_tensor_layout(), {});
  fresh.step(one, grad1(), 0.05);
  const double factor = std::sqrt(0.0525) / std::sqrt(0.3225);
  EXPECT_NEAR(one[6], 0.1 - 0.05 * factor * 0.5, 1e-7);
  EXPECT_NEAR(fresh.scales()[1], factor, 1e-7);
}

TEST(NormalizedUpdate, IsGroupwiseNotGlobal) {
  NormalizedUpdate rule(two_tensor_layout(), {});
  std::vector<float> p = start_params();
  rule.step(p, grad1(), 0.05);
  const std::vector<float> global = reference_step(start_params(), grad1(), 0.05, 0, 10, true);
  EXPECT_NE(p, global);
  EXPECT_EQ(p, reference_step(start_params(), grad1(), 0.05, 0, 10, false));
  // Each tensor moves by exactly lr * nu(||x_i||) in 2-norm (up to float rounding).
  const std::vector<float> x0 = start_params();
  std::vector<float> d(9);
  for (std::size_t i = 0; i < 9; ++i) d[i] = p[i] - x0[i];
  EXPECT_NEAR(slice_norm(d, 0, 6), 0.05 * slice_norm(x0, 0, 6), 1e-7);
  EXPECT_NEAR(slice_norm(d, 6, 9), 0.05 * slice_norm(x0, 6, 9), 1e-7);
}

TEST(NormalizedUpdate, ClipsNuBetweenItsBounds) {
  NormalizedUpdateOptions o;
  o.nu_min = 0.5;  // above ||x_b|| = 0.229: b moves by lr * 0.5
  o.nu_max = 1.0;  // below ||x_w|| = 2.6: w moves by lr * 1
  NormalizedUpdate rule(two_tensor_layout(), o);
  EXPECT_EQ(rule.nu(0.1), 0.5);
  EXPECT_EQ(rule.nu(0.7), 0.7);
  EXPECT_EQ(rule.nu(3.0), 1.0);
  std::vector<float> p = start_params();
  rule.step(p, grad1(), 0.1);
  EXPECT_EQ(p, reference_step(start_params(), grad1(), 0.1, 0.5, 1.0));
}

TEST(NormalizedUpdate, ZeroGradientOrZeroTensorDoesNotMove) {
  NormalizedUpdate rule(two_tensor_layout(), {});
  std::vector<float> p = start_params();
  std::vector<float> g = grad1();
  for (std::size_t i = 6; i < 9; ++i) g[i] = 0.0f;  // b's gradient 0
  rule.step(p, g, 0.1);
  for (std::size_t i = 6; i < 9; ++i) EXPECT_EQ(p[i], start_params()[i]);
  EXPECT_EQ(rule.scales()[1], 0.0);
  EXPECT_NE(p[0], start_params()[0]);
  for (float x : p) EXPECT_TRUE(std::isfinite(x));
  // A zero tensor: nu(0) = L = 0 keeps it at 0; L > 0 moves it by lr * L.
  std::vector<float> z = start_params();
  for (std::size_t i = 6; i < 9; ++i) z[i] = 0.0f;
  rule.step(z, grad1(), 0.1);
  for (std::size_t i = 6; i < 9; ++i) EXPECT_EQ(z[i], 0.0f);
  NormalizedUpdate floor(two_tensor_layout(), {0.2, 10.0});
  for (std::size_t i = 6; i < 9; ++i) z[i] = 0.0f;
  floor.step(z, grad1(), 0.1);
  EXPECT_NEAR(slice_norm(z, 6, 9), 0.1 * 0.2, 1e-8);
}

TEST(NormalizedUpdate, StateRoundTripsAndChecksTheSpec) {
  NormalizedUpdate a(two_tensor_layout(), {});
  std::vector<float> p = start_params();
  a.step(p, grad1(), 0.01);
  NormalizedUpdate b(two_tensor_layout(), {});
  load_into(b, saved(a));
  EXPECT_EQ(b.steps(), 1u);
  EXPECT_EQ(saved(b), saved(a));
  NormalizedUpdate other(two_tensor_layout(), {0.0, 5.0});
  EXPECT_THROW(load_into(other, saved(a)), DataError);
  EXPECT_EQ(a.spec(), "normalized(nu_min=0, nu_max=10)");
}

TEST(NormalizedUpdate, RejectsBadOptionsAndIsSelectableByName) {
  EXPECT_THROW(NormalizedUpdate(two_tensor_layout(), {-1.0, 10.0}), InvalidArgument);
  EXPECT_THROW(NormalizedUpdate(two_tensor_layout(), {1.0, 1.0}), InvalidArgument);
  EXPECT_THROW(NormalizedUpdate(two_tensor_layout(), {0.0, std::nan("")}), InvalidArgument);
  Settings s("optimizer in run.toml");
  s.set("name", std::string("normalized"));
  s.set("nu_min", 0.1);
  s.set("nu_max", 2.0);
  auto rule = make_update_rule(s, two_tensor_layout());
  ASSERT_EQ(rule->name(), "normalized");
  EXPECT_EQ(dynamic_cast<const NormalizedUpdate&>(*rule).options().nu_min, 0.1);
  EXPECT_EQ(dynamic_cast<const NormalizedUpdate&>(*rule).options().nu_max, 2.0);
  Settings bad("optimizer in run.toml");
  bad.set("name", std::string("normalized"));
  bad.set("nu_max", -1.0);
  try {
    make_update_rule(bad, two_tensor_layout());
    ADD_FAILURE() << "accepted nu_max = -1";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("optimizer in run.toml: normalized: nu_max = -1"));
  }
}

}  // namespace
}  // namespace dcopt

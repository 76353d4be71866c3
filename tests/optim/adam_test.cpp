#include "dcopt/optim/adam.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/core/error.hpp"
#include "optim/two_tensor_net.hpp"

namespace dcopt {
namespace {

using namespace optim_test;

// The reference: Adam/AdamW written out per element for steps t = 1, 2, with the float
// coefficients the header documents (each computed in double, rounded to float once). Equality
// is exact: same operations, same order, same precision.
std::vector<float> reference(bool decoupled, double wd, bool decay_b, double lr) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  std::vector<float> p = start_params();
  std::vector<float> m(p.size(), 0.0f), v(p.size(), 0.0f);
  int t = 0;
  for (const auto& g0 : {grad1(), grad2()}) {
    ++t;
    const float c1 = static_cast<float>(lr / (1.0 - std::pow(b1, t)));
    const float s2 = static_cast<float>(std::sqrt(1.0 - std::pow(b2, t)));
    for (std::size_t i = 0; i < p.size(); ++i) {
      float g = g0[i];
      const bool decay = in_w(i) || decay_b;
      if (decay && !decoupled) g = g + static_cast<float>(wd) * p[i];
      if (decay && decoupled) p[i] = p[i] * static_cast<float>(1.0 - lr * wd);
      m[i] = static_cast<float>(b1) * m[i] + static_cast<float>(1.0 - b1) * g;
      v[i] = static_cast<float>(b2) * v[i] + static_cast<float>(1.0 - b2) * g * g;
      const float denom = std::sqrt(v[i]) / s2 + static_cast<float>(eps);
      p[i] = p[i] - c1 * (m[i] / denom);
    }
  }
  return p;
}

std::vector<float> run(AdamOptions o, double lr) {
  Adam adam(two_tensor_layout(), o);
  std::vector<float> p = start_params();
  adam.step(p, grad1(), lr);
  adam.step(p, grad2(), lr);
  EXPECT_EQ(adam.steps(), 2u);
  return p;
}

TEST(Adam, TwoStepsMatchTheFormulaWithCoupledDecay) {
  AdamOptions o;
  o.weight_decay = 0.1;
  EXPECT_EQ(run(o, 0.01), reference(false, 0.1, true, 0.01));
}

TEST(Adam, AdamWTwoStepsMatchTheFormulaWithDecoupledDecayAndExclusion) {
  AdamOptions o;
  o.decoupled = true;
  o.weight_decay = 0.1;
  o.no_decay = {"b"};
  EXPECT_EQ(run(o, 0.01), reference(true, 0.1, false, 0.01));
  Adam w(two_tensor_layout(), o);
  EXPECT_EQ(w.name(), "adamw");
}

TEST(Adam, FirstStepMovesEachEntryByLrTimesTheSignOfTheGradient) {
  // t = 1: m_hat = g, v_hat = g^2, so the step is lr * g / (|g| + eps): lr up to a relative
  // eps / |g| <= 2e-7 (|g| >= 0.05). The tolerance is the rounding of p - step to float: half an
  // ulp of |p| <= 2, 1.19e-7, plus the 2e-9 of eps.
  Adam adam(two_tensor_layout(), {});
  std::vector<float> p = start_params();
  const std::vector<float> p0 = p, g = grad1();
  adam.step(p, g, 0.01);
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_NEAR(p0[i] - p[i], 0.01 * (g[i] > 0 ? 1 : -1), 1.25e-7) << i;
  }
}

TEST(Adam, AdamAndAdamWDifferOnlyInWhereTheDecayEnters) {
  const double lr = 0.01, wd = 0.1;
  // Without decay the two are the same rule, bit for bit.
  AdamOptions plain;
  AdamOptions plain_w = plain;
  plain_w.decoupled = true;
  EXPECT_EQ(run(plain, lr), run(plain_w, lr));

  // AdamW = shrink the parameters by (1 - lr wd), then Adam without decay.
  // Adam = Adam without decay on the gradient g + wd p.
  AdamOptions o;
  o.weight_decay = wd;
  AdamOptions ow = o;
  ow.decoupled = true;
  Adam adam(two_tensor_layout(), o), adamw(two_tensor_layout(), ow);
  Adam shrunk(two_tensor_layout(), plain), shifted(two_tensor_layout(), plain);
  std::vector<float> pa = start_params(), pw = pa, ps = pa, pg = pa;
  for (const auto& g : {grad1(), grad2()}) {
    adam.step(pa, g, lr);
    adamw.step(pw, g, lr);
    for (float& x : ps) x = x * static_cast<float>(1.0 - lr * wd);
    shrunk.step(ps, g, lr);
    std::vector<float> gd = g;
    for (std::size_t i = 0; i < gd.size(); ++i) gd[i] = gd[i] + static_cast<float>(wd) * pg[i];
    shifted.step(pg, gd, lr);
  }
  EXPECT_EQ(pw, ps);
  EXPECT_EQ(pa, pg);
  EXPECT_NE(pa, pw);  // and the placement matters
}

TEST(Adam, OptionsOutOfRangeNameTheKey) {
  auto error = [](AdamOptions o) -> std::string {
    try {
      Adam a(two_tensor_layout(), o);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "(accepted)";
  };
  AdamOptions o;
  o.beta1 = 1.0;
  EXPECT_EQ(error(o), "adam: beta1 = 1; valid: 0 <= beta1 < 1");
  o = {};
  o.beta2 = -0.1;
  EXPECT_EQ(error(o), "adam: beta2 = -0.1; valid: 0 <= beta2 < 1");
  o = {};
  o.eps = 0;
  EXPECT_EQ(error(o), "adam: eps = 0; valid: eps > 0");
  o = {};
  o.decoupled = true;
  o.weight_decay = -1;
  EXPECT_EQ(error(o), "adamw: weight_decay = -1; valid: weight_decay >= 0");
}

}  // namespace
}  // namespace dcopt

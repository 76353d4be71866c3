#include "dcopt/optim/lamb.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "optim/two_tensor_net.hpp"

namespace dcopt {
namespace {

using namespace optim_test;

struct Reference {
  std::vector<float> params;
  std::vector<double> trust;  // of the last step, per tensor
};

// LAMB written out per element (ALGORITHMS.md §6.1) with the float coefficients the header
// documents, and the per-tensor norms summed in double in index order. Equality with the rule is
// exact (same operations in the same order).
Reference reference(const LambOptions& o, bool decay_b, std::vector<float> p,
                    const std::vector<std::vector<float>>& grads, double lr) {
  std::vector<float> m(p.size(), 0.0f), v(p.size(), 0.0f), u(p.size());
  std::vector<double> trust(2);
  int t = 0;
  for (const auto& g : grads) {
    ++t;
    const float bc1 = o.bias_correction ? static_cast<float>(1.0 - std::pow(o.beta1, t)) : 1.0f;
    const float bc2 = o.bias_correction ? static_cast<float>(1.0 - std::pow(o.beta2, t)) : 1.0f;
    for (std::size_t i = 0; i < p.size(); ++i) {
      m[i] = static_cast<float>(o.beta1) * m[i] + static_cast<float>(1.0 - o.beta1) * g[i];
      v[i] = static_cast<float>(o.beta2) * v[i] + static_cast<float>(1.0 - o.beta2) * g[i] * g[i];
      const float r = (m[i] / bc1) / (std::sqrt(v[i] / bc2) + static_cast<float>(o.eps));
      u[i] = (in_w(i) || decay_b) ? r + static_cast<float>(o.weight_decay) * p[i] : r;
    }
    const std::size_t begin[2] = {0, 6}, end[2] = {6, 9};
    for (int k = 0; k < 2; ++k) {
      const double xn = slice_norm(p, begin[k], end[k]);
      const double un = slice_norm(u, begin[k], end[k]);
      const double phi = std::min(std::max(xn, o.trust_clip_min), o.trust_clip_max);
      trust[k] = (xn == 0 || un == 0) ? 1.0 : phi / un;
      const float scale = static_cast<float>(lr * trust[k]);
      for (std::size_t i = begin[k]; i < end[k]; ++i) p[i] = p[i] - scale * u[i];
    }
  }
  return {p, trust};
}

std::vector<float> run(Lamb& lamb, std::vector<float> p, double lr) {
  lamb.step(p, grad1(), lr);
  lamb.step(p, grad2(), lr);
  return p;
}

TEST(Lamb, DefaultsAreTheReferenceSetup) {
  const LambOptions o;
  EXPECT_EQ(o.beta1, 0.9);
  EXPECT_EQ(o.beta2, 0.999);
  EXPECT_EQ(o.eps, 1e-6);
  EXPECT_EQ(o.weight_decay, 0.01);
  EXPECT_TRUE(o.bias_correction);
  EXPECT_EQ(o.trust_clip_min, 0.0);
  EXPECT_TRUE(std::isinf(o.trust_clip_max));
}

TEST(Lamb, TwoStepsMatchTheFormula) {
  LambOptions o;
  o.weight_decay = 0.1;
  o.no_decay = {"b"};
  Lamb lamb(two_tensor_layout(), o);
  const Reference want = reference(o, false, start_params(), {grad1(), grad2()}, 0.02);
  EXPECT_EQ(run(lamb, start_params(), 0.02), want.params);
  EXPECT_EQ(lamb.steps(), 2u);
  ASSERT_EQ(lamb.trust_ratios().size(), 2u);
  EXPECT_EQ(lamb.trust_ratios()[0], want.trust[0]);
  EXPECT_EQ(lamb.trust_ratios()[1], want.trust[1]);
}

TEST(Lamb, WithoutBiasCorrectionMatchesTheFormulaAndDiffers) {
  LambOptions o;
  o.bias_correction = false;
  Lamb lamb(two_tensor_layout(), o);
  const std::vector<float> got = run(lamb, start_params(), 0.02);
  EXPECT_EQ(got, reference(o, true, start_params(), {grad1(), grad2()}, 0.02).params);
  Lamb corrected(two_tensor_layout(), {});
  EXPECT_NE(got, run(corrected, start_params(), 0.02));
}

TEST(Lamb, TrustRatiosUsePerTensorNormsNeverOneFlatNorm) {
  // w has norm ~ 300, b ~ 0.2: with phi the identity every tensor moves by exactly
  // lr * ||x_l|| (ALGORITHMS.md §6.1, the trust-ratio invariant). One norm over the flat buffer
  // would move both by lr * ||x|| * ||u_l|| / ||u||, i.e. b by about 300 times too much.
  std::vector<float> p = start_params();
  for (std::size_t i = 0; i < 6; ++i) p[i] *= 100.0f;
  Lamb lamb(two_tensor_layout(), {});
  const double lr = 0.01;
  for (const auto& g : {grad1(), grad2()}) {
    const std::vector<float> before = p;
    lamb.step(p, g, lr);
    for (auto [b, e] : {std::pair<std::size_t, std::size_t>{0, 6}, {6, 9}}) {
      std::vector<float> delta(9, 0.0f);
      for (std::size_t i = b; i < e; ++i) delta[i] = p[i] - before[i];
      // Tolerance: each moved entry is rounded to float (half an ulp, relative 6e-8 of |x|, up
      // to sqrt(numel) of them in the norm: relative ~1e-5 of the step lr * ||x_l||); 2e-5 is
      // far below the factor ~300 a flat norm would cause.
      EXPECT_NEAR(slice_norm(delta, b, e), lr * slice_norm(before, b, e),
                  2e-5 * lr * slice_norm(before, b, e))
          << "tensor at " << b;
    }
  }
  EXPECT_GT(lamb.trust_ratios()[0] / lamb.trust_ratios()[1], 100.0);
}

TEST(Lamb, TrustClipBoundsPhi) {
  // ||x_w|| ~ 2.7 is clipped down to 1, ||x_b|| ~ 0.23 up to 0.5.
  LambOptions o;
  o.trust_clip_min = 0.5;
  o.trust_clip_max = 1.0;
  Lamb lamb(two_tensor_layout(), o);
  const Reference want = reference(o, true, start_params(), {grad1(), grad2()}, 0.02);
  EXPECT_EQ(run(lamb, start_params(), 0.02), want.params);
  EXPECT_EQ(lamb.trust_ratios()[0], want.trust[0]);
  EXPECT_EQ(lamb.trust_ratios()[1], want.trust[1]);
  // The clipped invariant: one step moves w by lr * 1 and b by lr * 0.5.
  Lamb one(two_tensor_layout(), o);
  std::vector<float> p = start_params();
  one.step(p, grad1(), 0.02);
  std::vector<float> delta(9);
  for (std::size_t i = 0; i < 9; ++i) delta[i] = p[i] - start_params()[i];
  // Tolerance: each new entry is rounded to float, half an ulp of the entry (1.2e-7 for |x| <= 2,
  // 7.5e-9 for |x| <= 0.2), at most sqrt(numel) of them in the norm of the difference.
  EXPECT_NEAR(slice_norm(delta, 0, 6), 0.02 * 1.0, 3e-7);
  EXPECT_NEAR(slice_norm(delta, 6, 9), 0.02 * 0.5, 1.5e-8);
  // And unclipped the ratios differ (the clip is not vacuous on these numbers).
  Lamb free(two_tensor_layout(), {});
  run(free, start_params(), 0.02);
  EXPECT_NE(free.trust_ratios()[0], want.trust[0]);
  EXPECT_NE(free.trust_ratios()[1], want.trust[1]);
}

TEST(Lamb, TrustIsOneForAZeroTensorOrAZeroDirection) {
  // b starts at 0 (||x_b|| = 0): trust 1, b moves by lr * u, about lr * sign(g) on step 1.
  LambOptions o;
  o.trust_clip_min = 0.5;  // phi(0) would be 0.5: the rule says 1 regardless
  Lamb lamb(two_tensor_layout(), o);
  std::vector<float> p = start_params();
  for (std::size_t i = 6; i < 9; ++i) p[i] = 0.0f;
  std::vector<float> g = grad1();
  lamb.step(p, g, 0.01);
  EXPECT_EQ(lamb.trust_ratios()[1], 1.0);
  for (std::size_t i = 6; i < 9; ++i) {
    // u = g / (|g| + 1e-6) (wd * 0 = 0): sign(g) up to eps / |g| <= 1e-5 (|g| >= 0.1) and a
    // few float roundings of 6e-8.
    EXPECT_NEAR(p[i], -0.01 * (g[i] > 0 ? 1 : -1), 0.01 * 1.1e-5) << i;
  }
  // w gets a zero gradient and no decay: u_w = 0, trust 1, w does not move at all.
  LambOptions ow;
  ow.no_decay = {"w"};
  Lamb still(two_tensor_layout(), ow);
  std::vector<float> q = start_params();
  std::fill(g.begin(), g.begin() + 6, 0.0f);
  still.step(q, g, 0.01);
  EXPECT_EQ(still.trust_ratios()[0], 1.0);
  EXPECT_TRUE(std::equal(q.begin(), q.begin() + 6, start_params().begin()));
}

TEST(Lamb, TrustClipRangeIsValidated) {
  LambOptions o;
  o.trust_clip_min = 2.0;
  o.trust_clip_max = 1.0;
  EXPECT_THROW(Lamb l(two_tensor_layout(), o), InvalidArgument);
  o.trust_clip_min = -1.0;
  o.trust_clip_max = 1.0;
  EXPECT_THROW(Lamb l(two_tensor_layout(), o), InvalidArgument);
}

}  // namespace
}  // namespace dcopt

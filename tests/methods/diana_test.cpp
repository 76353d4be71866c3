#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common_checks.hpp"

namespace dcopt::testing {
namespace {

const std::string kRandK = "randk:k=2,precision=64";

TEST(Diana, IdentityCodecAlphaOneGivesGd) {
  expect_reduces_to_gd("diana", identity64({{"alpha", 1.0}}));
  expect_reduces_to_gd("diana", identity64({{"alpha", 1.0}, {"variant", std::string("reference")}}),
                       3);
}

TEST(Diana, ConvergesWithTheoryStepsize) {
  // The quadratic declares strong convexity, so "auto" picks the convex rule.
  RunResult r =
      expect_converges("diana", settings({{"codec", kRandK}}), heterogeneous_quadratic(5), 20000);
  EXPECT_EQ(r.parameters["convex_rule"], 1.0);
  expect_converges("diana",
                   settings({{"codec", kRandK}, {"stepsize_rule", std::string("nonconvex")}}),
                   heterogeneous_quadratic(5), 200000);
  expect_converges("diana", settings({{"codec", kRandK}, {"variant", std::string("reference")}}),
                   heterogeneous_quadratic(5), 20000);
}

// The first two steps of both variants against a hand computation from their formulas
// (ALGORITHMS.md §2.2). Deterministic setup: the identity codec at 64 bits (m_i = Delta_i
// exactly) with alpha = 1/2 < 1, so that the estimators differ. From x^0 = 0, h_i^0 = h^0 = 0:
//   textbook  (g^k = h^k + m^k):      g^0 = grad f(x^0)
//                                     g^1 = h^1 + (grad f(x^1) - h^1) = grad f(x^1)
//   reference (g^k = h^{k+1}):        g^0 = alpha grad f(x^0)
//                                     g^1 = (1 - alpha) h^1 + alpha grad f(x^1)
//                                         = (1 - alpha) alpha grad f(x^0) + alpha grad f(x^1)
// with h^1 = alpha grad f(x^0) in both, and x^{k+1} = x^k - gamma g^k.
TEST(Diana, FirstStepsOfBothVariantsMatchTheirFormulas) {
  const int n = 3;
  QuadraticSpec q = heterogeneous_quadratic(n);
  q.rows = 6;
  q.dim = 4;
  const std::size_t d = q.dim;
  const double alpha = 0.5;
  std::vector<QuadraticObjective> fs;
  double L = 0.0;
  for (int i = 0; i < n; ++i) {
    fs.push_back(make_quadratic_worker(q, static_cast<std::size_t>(i)));
    L = std::max(L, fs.back().smoothness());
  }
  const double gamma = 0.5 / L;
  auto full_gradient = [&](const vec::Vec& x) {  // grad f(x) = (1/n) sum_i grad f_i(x)
    vec::Vec g(d, 0.0), gi(d);
    for (const auto& f : fs) {
      f.gradient(x, gi);
      for (std::size_t j = 0; j < d; ++j) g[j] += gi[j];
    }
    for (double& v : g) v /= n;
    return g;
  };
  auto step = [&](const vec::Vec& x, const vec::Vec& g) {
    vec::Vec y(d);
    for (std::size_t j = 0; j < d; ++j) y[j] = x[j] - gamma * g[j];
    return y;
  };
  const vec::Vec x0(d, 0.0);
  const vec::Vec g0 = full_gradient(x0);
  vec::Vec ref_g0(d);
  for (std::size_t j = 0; j < d; ++j) ref_g0[j] = alpha * g0[j];
  const vec::Vec text_x1 = step(x0, g0);
  const vec::Vec ref_x1 = step(x0, ref_g0);
  const vec::Vec text_x2 = step(text_x1, full_gradient(text_x1));
  const vec::Vec ref_grad1 = full_gradient(ref_x1);
  vec::Vec ref_g1(d);
  for (std::size_t j = 0; j < d; ++j) {
    ref_g1[j] = (1.0 - alpha) * alpha * g0[j] + alpha * ref_grad1[j];
  }
  const vec::Vec ref_x2 = step(ref_x1, ref_g1);

  RunOptions run;
  run.workers = n;
  run.max_rounds = 2;
  auto diana = [&](const std::string& variant) {
    return run_method(
        "diana", identity64({{"alpha", alpha}, {"gamma", gamma}, {"variant", variant}}), q, run);
  };
  const RunResult text = diana("textbook");
  const RunResult ref = diana("reference");
  ASSERT_EQ(text.iterates.size(), 3u);
  ASSERT_EQ(ref.iterates.size(), 3u);
  EXPECT_EQ(text.parameters.at("alpha"), alpha);
  EXPECT_EQ(ref.parameters.at("gamma"), gamma);

  // Tolerance 1e-14 relative to ||want||_inf: the method and this test form the same sums in
  // possibly different orders (n-term mean, scalings, one axpy per step; x^2 adds one gradient
  // at an x^1 that differs by such round-off, amplified by gamma L <= 1/2): a few tens of ulps
  // (2^-53 = 1.1e-16) at most; measured: <= 2e-16 relative. The variants differ by O(1)
  // relative (g^0 by the factor alpha), 10^13 times the tolerance.
  auto expect_near = [](const vec::Vec& got, const vec::Vec& want, const char* what) {
    const double tol = 1e-14 * vec::norm_inf(want);
    ASSERT_GT(tol, 0.0) << what;
    for (std::size_t j = 0; j < want.size(); ++j) {
      EXPECT_NEAR(got[j], want[j], tol) << what << " coordinate " << j;
    }
  };
  expect_near(text.iterates[1], text_x1, "textbook x^1");
  expect_near(ref.iterates[1], ref_x1, "reference x^1");
  expect_near(text.iterates[2], text_x2, "textbook x^2");
  expect_near(ref.iterates[2], ref_x2, "reference x^2");
  // The hand computations themselves are far apart: a method that ignored `variant` fails above.
  EXPECT_GT(std::sqrt(vec::dist2_sq(text_x1, ref_x1)), 0.1 * vec::norm_inf(text_x1));
}

TEST(Diana, Deterministic) {
  expect_deterministic("diana", settings({{"codec", kRandK}}), heterogeneous_quadratic(5));
}

TEST(Diana, BadSettings) {
  expect_invalid("diana", settings({{"codec", std::string("topk:k=1")}}), {"topk", "biased"});
  expect_invalid("diana", settings({{"alpha", 0.0}}), {"alpha", "0 < alpha <= 1"});
  expect_invalid("diana", settings({{"variant", std::string("x")}}), {"variant", "textbook"});
  expect_invalid("diana", settings({{"stepsize_rule", std::string("x")}}), {"stepsize_rule"});
  expect_invalid("diana", settings({{"batch", std::int64_t{3}}}), {"batch", "valid keys"});
}

}  // namespace
}  // namespace dcopt::testing

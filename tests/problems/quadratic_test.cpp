#include "dcopt/problems/quadratic.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/core/error.hpp"
#include "objective_test_support.hpp"

namespace dcopt {
namespace {

using namespace testing_support;

QuadraticSpec spec_with(double heterogeneity) {
  QuadraticSpec s;
  s.workers = 5;
  s.rows = 40;
  s.dim = 12;
  s.rho = 1e-2;
  s.heterogeneity = heterogeneity;
  s.seed = 2024;
  return s;
}

TEST(Quadratic, GradientMinibatchSmoothness) {
  const QuadraticProblem p = make_quadratic_problem(spec_with(0.5));
  for (std::size_t i = 0; i < p.workers.size(); ++i) {
    SCOPED_TRACE(i);
    const QuadraticObjective& f = p.workers[i];
    expect_gradient_matches_finite_differences(f, 10 + i, 1.0);
    expect_minibatch_consistent(f, 20 + i);
    expect_smoothness_bound(f, 30 + i);
    ASSERT_TRUE(f.strong_convexity().has_value());
    EXPECT_LE(*f.strong_convexity(), f.smoothness());
    EXPECT_GE(*f.strong_convexity(), 1e-2);
  }
}

TEST(Quadratic, SmoothnessIsExact) {
  // Power iteration on the gradient map x -> grad f(x) - grad f(0) = (A^T A/m + rho I) x climbs
  // to the largest eigenvalue: the ratio reaches L_i (to 1e-6 after 2000 steps on a 12 x 12
  // matrix with a clear gap) and never exceeds it.
  const QuadraticObjective f = make_quadratic_worker(spec_with(0.0), 2);
  std::vector<double> v(f.dim(), 1.0), g0(f.dim()), g(f.dim());
  const std::vector<double> zero(f.dim(), 0.0);
  f.gradient(zero, g0);
  double ratio = 0.0;
  for (int it = 0; it < 2000; ++it) {
    const double n = vec::norm2(v);
    vec::scale(1.0 / n, v);
    f.gradient(v, g);
    vec::axpy(-1.0, g0, g);
    ratio = vec::norm2(g);
    v = g;
  }
  EXPECT_LE(ratio, f.smoothness() * (1 + 1e-12));
  EXPECT_GE(ratio, f.smoothness() * (1 - 1e-6));
  // calligraphic L_i from its definition.
  double s = 0.0;
  for (std::size_t j = 0; j < f.num_samples(); ++j) {
    double n2 = 0.0;
    for (std::size_t k = 0; k < f.dim(); ++k) n2 += std::pow(f.matrix()[j * f.dim() + k], 2);
    s += std::pow(n2 + f.rho(), 2);
  }
  EXPECT_NEAR(f.mean_sample_smoothness(), std::sqrt(s / f.num_samples()),
              1e-12 * f.mean_sample_smoothness());
}

TEST(Quadratic, SolutionHasZeroGlobalGradient) {
  for (double h : {0.0, 2.0}) {
    const QuadraticProblem p = make_quadratic_problem(spec_with(h));
    const std::size_t d = p.solution.size();
    std::vector<double> sum(d, 0.0), g(d);
    double f = 0.0;
    for (const auto& w : p.workers) {
      f += w.value_and_gradient(p.solution, g);
      vec::axpy(1.0 / static_cast<double>(p.workers.size()), g, sum);
    }
    // LDLT on a 12 x 12 system with condition number < 1e4 leaves a residual ~1e-14 * L |x*|.
    EXPECT_LT(vec::norm2(sum), 1e-10 * (1 + vec::norm2(p.solution))) << h;
    EXPECT_NEAR(f / static_cast<double>(p.workers.size()), p.optimal_value, 1e-14);
    // Each local gradient at x* is not zero when workers differ: that is what makes it
    // distributed (heterogeneous) optimization.
    if (h > 0) {
      p.workers[0].gradient(p.solution, g);
      EXPECT_GT(vec::norm2(g), 1e-2);
    }
    EXPECT_GT(p.strong_convexity, 0.0);
    EXPECT_LE(p.strong_convexity, p.smoothness);
    // L_f <= mean L_i.
    double mean_l = 0.0;
    for (const auto& w : p.workers)
      mean_l += w.smoothness() / static_cast<double>(p.workers.size());
    EXPECT_LE(p.smoothness, mean_l * (1 + 1e-12));
  }
}

TEST(Quadratic, WorkersAreDeterministicAndBuiltAlone) {
  const QuadraticSpec s = spec_with(1.0);
  const QuadraticProblem p = make_quadratic_problem(s);
  for (std::size_t i = 0; i < s.workers; ++i) {
    const QuadraticObjective alone = make_quadratic_worker(s, i);
    EXPECT_TRUE(
        std::equal(alone.matrix().begin(), alone.matrix().end(), p.workers[i].matrix().begin()));
    EXPECT_TRUE(std::equal(alone.rhs().begin(), alone.rhs().end(), p.workers[i].rhs().begin()));
  }
  QuadraticSpec other = s;
  other.seed = s.seed + 1;
  EXPECT_NE(make_quadratic_worker(other, 0).rhs()[0], p.workers[0].rhs()[0]);
  // Heterogeneity spreads the L_i: the last worker's rows are scaled by 1 + h.
  EXPECT_GT(p.workers.back().smoothness(), 2.0 * p.workers.front().smoothness());
  EXPECT_THROW(make_quadratic_worker(s, s.workers), InvalidArgument);
}

TEST(Quadratic, NoNanAtExtremePoints) {
  const QuadraticObjective f = make_quadratic_worker(spec_with(0.0), 0);
  Rng rng(5, Purpose::test);
  for (double scale : {1e8, 1e100}) {
    const std::vector<double> x = random_point(rng, f.dim(), scale);
    std::vector<double> g(f.dim());
    EXPECT_TRUE(std::isfinite(f.value_and_gradient(x, g)));
    EXPECT_TRUE(vec::all_finite(g));
  }
}

}  // namespace
}  // namespace dcopt

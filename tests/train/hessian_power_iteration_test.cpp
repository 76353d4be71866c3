// hessian_top_eigenvalue: a linear model with squared loss, whose Hessian 2 A^T A / N (A = [X 1])
// is known in closed form, found to 1e-4 relative; the estimates rise monotonically (Rayleigh
// quotients of a PSD matrix under power iteration never decrease); .grad is left untouched;
// the result is deterministic by seed; a negative-curvature direction is found by magnitude.
#include "dcopt/train/hessian_power_iteration.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "dcopt/core/error.hpp"

namespace dcopt::train {
namespace {

// N = 20 rows of 3 features with distinct scales, so the top eigenvalue is well separated.
struct Linear {
  torch::Tensor x, y, w, b;
  Linear() {
    torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(5);
    x = torch::randn({20, 3}, gen, torch::kFloat64) *
        torch::tensor(std::vector<double>{2.0, 1.0, 0.3}, torch::kFloat64);
    y = torch::randn({20}, gen, torch::kFloat64);
    w = torch::randn({3}, gen, torch::kFloat64).requires_grad_(true);
    b = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
  }
  torch::Tensor loss() const { return (x.matmul(w) + b - y).square().mean(); }
  // The exact Hessian over (w, b): 2 A^T A / N with A = [X 1].
  double top_eigenvalue() const {
    Eigen::MatrixXd a(20, 4);
    auto xa = x.accessor<double, 2>();
    for (int i = 0; i < 20; ++i) {
      for (int j = 0; j < 3; ++j) a(i, j) = xa[i][j];
      a(i, 3) = 1.0;
    }
    const Eigen::MatrixXd h = 2.0 * a.transpose() * a / 20.0;
    return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(h).eigenvalues().maxCoeff();
  }
};

TEST(HessianPowerIteration, FindsTheTopEigenvalueOfAKnownHessian) {
  const Linear m;
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  PowerIterationOptions o;
  o.tolerance = 1e-10;
  o.max_iterations = 500;
  const PowerIterationResult r =
      hessian_top_eigenvalue([&] { return m.loss(); }, {m.w, m.b}, gen, o);
  const double want = m.top_eigenvalue();
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.eigenvalue, want, 1e-4 * want) << "history size " << r.history.size();
  // Monotone: for a PSD Hessian the Rayleigh quotient of each power iterate is >= the last's
  // (up to rounding, 1e-12 relative in double); it starts below the top (a random start).
  ASSERT_GE(r.history.size(), 2u);
  for (std::size_t k = 1; k < r.history.size(); ++k) {
    EXPECT_GE(r.history[k], r.history[k - 1] * (1 - 1e-12)) << k;
  }
  EXPECT_LT(r.history.front(), want);
  EXPECT_EQ(r.history.back(), r.eigenvalue);
  // Nothing was written to the parameters' .grad (autograd::grad, not backward).
  EXPECT_FALSE(m.w.grad().defined());
  EXPECT_FALSE(m.b.grad().defined());
}

TEST(HessianPowerIteration, StopsAtTheToleranceOrTheIterationCap) {
  const Linear m;
  torch::Generator g1 = at::make_generator<at::CPUGeneratorImpl>(1);
  PowerIterationOptions o;
  o.max_iterations = 3;
  o.tolerance = 0;
  const PowerIterationResult capped =
      hessian_top_eigenvalue([&] { return m.loss(); }, {m.w, m.b}, g1, o);
  EXPECT_EQ(capped.history.size(), 3u);
  EXPECT_FALSE(capped.converged);
  // Same seed, same first iterations.
  torch::Generator g2 = at::make_generator<at::CPUGeneratorImpl>(1);
  o.max_iterations = 100;
  o.tolerance = 1e-3;
  const PowerIterationResult loose =
      hessian_top_eigenvalue([&] { return m.loss(); }, {m.w, m.b}, g2, o);
  EXPECT_TRUE(loose.converged);
  ASSERT_GE(loose.history.size(), 3u);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(loose.history[k], capped.history[k]);
  const std::size_t n = loose.history.size();
  EXPECT_LE(std::abs(loose.history[n - 1] - loose.history[n - 2]),
            1e-3 * std::abs(loose.history[n - 1]));
}

TEST(HessianPowerIteration, FindsTheLargestMagnitudeEvenIfNegative) {
  // f(u, v) = u^2 - 3 v^2: eigenvalues 2 and -6; power iteration returns -6.
  const torch::Tensor u =
      torch::tensor(std::vector<double>{0.5}, torch::kFloat64).requires_grad_(true);
  const torch::Tensor v =
      torch::tensor(std::vector<double>{0.2}, torch::kFloat64).requires_grad_(true);
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(2);
  PowerIterationOptions o;
  o.tolerance = 1e-12;
  const PowerIterationResult r =
      hessian_top_eigenvalue([&] { return (u.square() - 3 * v.square()).sum(); }, {u, v}, gen, o);
  EXPECT_NEAR(r.eigenvalue, -6.0, 1e-6);
}

TEST(HessianPowerIteration, RejectsBadArguments) {
  const Linear m;
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  PowerIterationOptions o;
  o.max_iterations = 0;
  EXPECT_THROW(hessian_top_eigenvalue([&] { return m.loss(); }, {m.w}, gen, o), InvalidArgument);
  EXPECT_THROW(hessian_top_eigenvalue([&] { return m.loss(); }, {}, gen), InvalidArgument);
}

}  // namespace
}  // namespace dcopt::train

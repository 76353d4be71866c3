// symmetric_kl / squared_error: zero on identical outputs, symmetric, a 2x3 value by hand, the
// gradient against central finite differences, shape errors.
#include "dcopt/train/symmetric_kl.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/core/error.hpp"

namespace dcopt::train {
namespace {

torch::Tensor f64(std::initializer_list<double> v, std::int64_t rows, std::int64_t cols) {
  return torch::tensor(std::vector<double>(v), torch::kFloat64).view({rows, cols});
}

TEST(SymmetricKl, ZeroForIdenticalDistributions) {
  const torch::Tensor a = f64({0.3, -1.2, 2.0, 0.5, 0.5, -0.1}, 2, 3);
  EXPECT_EQ(symmetric_kl(a, a).item<double>(), 0.0);
  // Logits shifted per row give the same distributions: zero up to rounding.
  const torch::Tensor shifted = a + f64({5.0, -3.0}, 2, 1);
  EXPECT_LT(std::abs(symmetric_kl(a, shifted).item<double>()), 1e-14);
  EXPECT_EQ(squared_error(a.narrow(1, 0, 1), a.narrow(1, 0, 1)).item<double>(), 0.0);
}

TEST(SymmetricKl, IsSymmetricAndPositive) {
  const torch::Tensor a = f64({0.3, -1.2, 2.0, 0.5, 0.5, -0.1}, 2, 3);
  const torch::Tensor b = f64({1.0, 0.2, -0.4, -2.0, 0.7, 0.1}, 2, 3);
  const double ab = symmetric_kl(a, b).item<double>();
  EXPECT_GT(ab, 0.01);
  EXPECT_EQ(ab, symmetric_kl(b, a).item<double>());  // sum_c (p-q)(log p - log q) is symmetric
  const torch::Tensor x = f64({1.5, -0.5}, 2, 1), y = f64({0.5, 0.5}, 2, 1);
  EXPECT_EQ(squared_error(x, y).item<double>(), squared_error(y, x).item<double>());
}

TEST(SymmetricKl, MatchesAHandComputedValue) {
  // Row 1: P uniform, Q = (e, 1, 1)/(e + 2). log p - log q = log((e+2)/3) - [1, 0, 0] and
  // sum (p - q) = 0, so KL_sym = -(1/3 - e/(e+2)) * 1 = e/(e+2) - 1/3.
  // Row 2: a = (1, 2, 3), b = (3, 2, 1): the log-normalizers are equal, log p - log q = a - b =
  // (-2, 0, 2) and q = reversed p, so KL_sym = 2 (p3 - p1) * 2 = 4 (p3 - p1), p = softmax(1,2,3).
  const double e = std::exp(1.0);
  const double z = e + e * e + e * e * e;
  const double row1 = e / (e + 2) - 1.0 / 3.0;
  const double row2 = 4 * (e * e * e - e) / z;
  const torch::Tensor a = f64({0, 0, 0, 1, 2, 3}, 2, 3), b = f64({1, 0, 0, 3, 2, 1}, 2, 3);
  EXPECT_NEAR(symmetric_kl(a, b).item<double>(), (row1 + row2) / 2, 1e-14);
  // float32 agrees to float rounding.
  EXPECT_NEAR(symmetric_kl(a.to(torch::kFloat32), b.to(torch::kFloat32)).item<double>(),
              (row1 + row2) / 2, 1e-6);
  // Squared error: mean over rows of (a - b)^2 = ((1.5 - 0.5)^2 + (-0.5 - 0.5)^2) / 2 = 1.
  EXPECT_DOUBLE_EQ(squared_error(f64({1.5, -0.5}, 2, 1), f64({0.5, 0.5}, 2, 1)).item<double>(),
                   1.0);
  EXPECT_DOUBLE_EQ(output_divergence(f64({1.5, -0.5}, 2, 1), f64({0.5, 0.5}, 2, 1)).item<double>(),
                   1.0);
  EXPECT_EQ(output_divergence(a, b).item<double>(), symmetric_kl(a, b).item<double>());
}

TEST(SymmetricKl, GradientMatchesFiniteDifferences) {
  for (bool regression : {false, true}) {
    SCOPED_TRACE(regression);
    const std::int64_t cols = regression ? 1 : 3;
    torch::Tensor a = (torch::arange(2 * cols, torch::kFloat64).view({2, cols}) * 0.37).sin();
    torch::Tensor b = (torch::arange(2 * cols, torch::kFloat64).view({2, cols}) * 0.91).cos();
    a.requires_grad_(true);
    b.requires_grad_(true);
    const auto grads = torch::autograd::grad({output_divergence(a, b)}, {a, b});
    // Central differences in double: error O(h^2) ~ 1e-10 with h = 1e-5, rounding ~ 1e-11.
    const double h = 1e-5;
    for (int which = 0; which < 2; ++which) {
      for (std::int64_t i = 0; i < 2; ++i) {
        for (std::int64_t j = 0; j < cols; ++j) {
          torch::NoGradGuard no_grad;
          torch::Tensor ap = a.detach().clone(), am = a.detach().clone();
          torch::Tensor bp = b.detach().clone(), bm = b.detach().clone();
          torch::Tensor& xp = which == 0 ? ap : bp;
          torch::Tensor& xm = which == 0 ? am : bm;
          xp.accessor<double, 2>()[i][j] += h;
          xm.accessor<double, 2>()[i][j] -= h;
          const double fd = (output_divergence(ap, bp).item<double>() -
                             output_divergence(am, bm).item<double>()) /
                            (2 * h);
          EXPECT_NEAR(grads[which][i][j].item<double>(), fd, 1e-8) << which << " " << i << j;
        }
      }
    }
    // The gradient is not trivially zero.
    EXPECT_GT(grads[0].abs().max().item<double>(), 1e-3);
  }
}

TEST(SymmetricKl, RejectsMismatchedShapes) {
  const torch::Tensor a = torch::zeros({2, 3}), b = torch::zeros({3, 3});
  EXPECT_THROW(symmetric_kl(a, b), InvalidArgument);
  EXPECT_THROW(symmetric_kl(torch::zeros({2, 1}), torch::zeros({2, 1})), InvalidArgument);
  EXPECT_THROW(squared_error(a, a), InvalidArgument);
  EXPECT_THROW(output_divergence(torch::zeros({6}), torch::zeros({6})), InvalidArgument);
}

}  // namespace
}  // namespace dcopt::train

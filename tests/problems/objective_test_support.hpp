#pragma once
// Shared checks every Objective must pass (used by the tests of each problem).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "dcopt/core/rng.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/problems/objective.hpp"

namespace dcopt::testing_support {

inline std::vector<double> random_point(Rng& rng, std::size_t d, double scale) {
  std::vector<double> x(d);
  for (double& v : x) v = scale * rng.normal();
  return x;
}

// Central differences: error O(h^2 |f'''|) + O(eps |f| / h); with h = 1e-5 and |f|, |f'''| of
// order one both are ~1e-10, four orders below the 1e-6 relative tolerance.
inline void expect_gradient_matches_finite_differences(const Objective& f, std::uint64_t seed,
                                                       double scale) {
  Rng rng(seed, Purpose::test);
  const std::size_t d = f.dim();
  for (int trial = 0; trial < 3; ++trial) {
    std::vector<double> x = random_point(rng, d, scale), g(d), fd(d);
    f.gradient(x, g);
    const double h = 1e-5;
    for (std::size_t k = 0; k < d; ++k) {
      const double keep = x[k];
      x[k] = keep + h;
      const double up = f.value(x);
      x[k] = keep - h;
      const double down = f.value(x);
      x[k] = keep;
      fd[k] = (up - down) / (2 * h);
    }
    const double err = std::sqrt(vec::dist2_sq(g, fd));
    EXPECT_LT(err, 1e-6 * std::max(vec::norm2(g), 1e-3)) << "trial " << trial;
    // The fused call must agree with the separate ones (same sums, same order: 1e-14).
    std::vector<double> g2(d);
    const double v2 = f.value_and_gradient(x, g2);
    EXPECT_NEAR(v2, f.value(x), 1e-14 * std::abs(v2));
    EXPECT_LT(std::sqrt(vec::dist2_sq(g, g2)), 1e-14 * vec::norm2(g) + 1e-300);
  }
}

// The mean over every sample index is the full gradient; summation order matches, so up to a
// few roundings (1e-13 relative). A repeated index counts twice.
inline void expect_minibatch_consistent(const Objective& f, std::uint64_t seed) {
  Rng rng(seed, Purpose::test);
  const std::size_t d = f.dim(), m = f.num_samples();
  const std::vector<double> x = random_point(rng, d, 0.5);
  std::vector<double> g(d), gb(d);
  f.gradient(x, g);
  std::vector<std::uint32_t> all(m);
  std::iota(all.begin(), all.end(), 0u);
  f.minibatch_gradient(x, all, gb);
  EXPECT_LT(std::sqrt(vec::dist2_sq(g, gb)), 1e-13 * vec::norm2(g));

  std::vector<double> one(d), twice(d), mixed(d);
  const std::vector<std::uint32_t> a = {3}, aa = {3, 3}, ab = {3, 3, 5};
  f.minibatch_gradient(x, a, one);
  f.minibatch_gradient(x, aa, twice);
  EXPECT_LT(std::sqrt(vec::dist2_sq(one, twice)), 1e-14 * vec::norm2(one));
  std::vector<double> five(d);
  const std::vector<std::uint32_t> b = {5};
  f.minibatch_gradient(x, b, five);
  f.minibatch_gradient(x, ab, mixed);
  for (std::size_t k = 0; k < d; ++k) {
    EXPECT_NEAR(mixed[k], (2 * one[k] + five[k]) / 3,
                1e-14 * (std::abs(one[k]) + std::abs(five[k]) + 1e-300));
  }
  const std::vector<std::uint32_t> bad = {static_cast<std::uint32_t>(m)};
  EXPECT_THROW(f.minibatch_gradient(x, bad, gb), std::out_of_range);
}

// ||grad f(x) - grad f(y)|| <= L ||x - y|| on random pairs at several scales and distances;
// 1e-12 relative slack for rounding in the two gradients. Returns the largest ratio seen / L.
inline double expect_smoothness_bound(const Objective& f, std::uint64_t seed) {
  Rng rng(seed, Purpose::test);
  const std::size_t d = f.dim();
  const double L = f.smoothness();
  double worst = 0.0;
  std::vector<double> gx(d), gy(d);
  for (int trial = 0; trial < 300; ++trial) {
    const double scale = std::pow(10.0, -2.0 + 3.0 * rng.uniform());
    const double dist = std::pow(10.0, -4.0 + 4.0 * rng.uniform());
    const std::vector<double> x = random_point(rng, d, scale);
    std::vector<double> y = random_point(rng, d, dist);
    for (std::size_t k = 0; k < d; ++k) y[k] += x[k];
    f.gradient(x, gx);
    f.gradient(y, gy);
    const double lhs = std::sqrt(vec::dist2_sq(gx, gy));
    const double rhs = L * std::sqrt(vec::dist2_sq(x, y));
    EXPECT_LE(lhs, rhs * (1 + 1e-12)) << "trial " << trial;
    worst = std::max(worst, lhs / rhs);
  }
  return worst;
}

}  // namespace dcopt::testing_support

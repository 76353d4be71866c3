// The distributed bilinear game of the MASHA paper, eq. (13), and its gap function, eq. (11).
#include "dcopt/problems/bilinear_game.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {
namespace {

using vec::Vec;

Vec random_vec(Rng& rng, std::size_t n, double scale) {
  Vec v(n);
  for (double& x : v) x = scale * rng.normal();
  return v;
}

BilinearGameParams small_params(BilinearMatrices kind = BilinearMatrices::positive_definite) {
  BilinearGameParams p;
  p.dim = 6;
  p.num_devices = 4;
  p.lambda = 0.7;
  p.seed = 11;
  p.matrices = kind;
  return p;
}

Vec eval(const Operator& op, const Vec& z) {
  Vec out(op.dim());
  op.apply(z, out);
  return out;
}

Vec apply_term(const Operator& op, const Vec& z, std::uint32_t i) {
  Vec out(op.dim());
  const std::uint32_t idx[] = {i};
  op.apply_terms(z, idx, out);
  return out;
}

double rel_err(const Vec& a, const Vec& b) {
  return std::sqrt(vec::dist2_sq(a, b)) / (1.0 + vec::norm2(b));
}

// Jacobian of an affine map, column by column: J e_j = G(e_j) - G(0).
template <class Map>
Eigen::MatrixXd jacobian(std::size_t n, Map map) {
  Eigen::MatrixXd jac(n, n);
  Vec zero(n, 0.0), g0(n), gj(n);
  map(zero, g0);
  for (std::size_t j = 0; j < n; ++j) {
    Vec e(n, 0.0);
    e[j] = 1.0;
    map(e, gj);
    for (std::size_t i = 0; i < n; ++i) jac(i, j) = gj[i] - g0[i];
  }
  return jac;
}

// sqrt of the top eigenvalue of the PSD matrix S by power iteration, the way a user would
// verify the constant without our formula.
double power_iteration_sqrt(const Eigen::MatrixXd& s, int iters) {
  Eigen::VectorXd v =
      Eigen::VectorXd::Ones(s.rows()) + 0.1 * Eigen::VectorXd::LinSpaced(s.rows(), 0, 1);
  for (int k = 0; k < iters; ++k) v = (s * v).normalized();
  return std::sqrt(v.dot(s * v));
}

TEST(BilinearGame, OperatorIsGradientFieldOfSaddleFunction) {
  // F_m = (grad_x f_m, -grad_y f_m), checked by central differences of f_m. f_m is quadratic,
  // so the central difference has no truncation error; what remains is round-off,
  // ~eps |f| / h = 1e-16 * 10 / 1e-4 = 1e-11, far under the 1e-7 tolerance.
  for (auto kind : {BilinearMatrices::positive_definite, BilinearMatrices::gaussian}) {
    const BilinearGameParams p = small_params(kind);
    Rng rng(1, Purpose::test);
    for (std::size_t m = 0; m < p.num_devices; ++m) {
      const BilinearDeviceOperator op(p, m);
      const Vec z = random_vec(rng, op.dim(), 1.0);
      const Vec f = eval(op, z);
      const double h = 1e-4;
      for (std::size_t j = 0; j < op.dim(); ++j) {
        Vec zp = z, zm = z;
        zp[j] += h;
        zm[j] -= h;
        const double grad = (op.value(zp) - op.value(zm)) / (2 * h);
        const double expected = j < p.dim ? grad : -grad;
        ASSERT_NEAR(f[j], expected, 1e-7 * (1.0 + std::abs(expected))) << "m=" << m << " j=" << j;
      }
    }
  }
}

TEST(BilinearGame, MeanOfDeviceOperatorsIsTheAveragedProblem) {
  // F and f of the averaged data equal the averages of F_m and f_m: summation-order round-off
  // only (1e-12 relative).
  const BilinearGameParams p = small_params();
  const BilinearGame game(p);
  Rng rng(2, Purpose::test);
  for (int t = 0; t < 5; ++t) {
    const Vec z = random_vec(rng, game.dim(), 1.0);
    Vec mean(game.dim(), 0.0);
    double mean_f = 0.0;
    for (std::size_t m = 0; m < p.num_devices; ++m) {
      const auto op = game.make_operator(m);
      vec::axpy(1.0 / static_cast<double>(p.num_devices), eval(*op, z), mean);
      mean_f += game.device(m).value(z) / static_cast<double>(p.num_devices);
    }
    EXPECT_GT(rel_err(eval(game.device(0), z), mean), 1e-3);  // devices really differ from the mean
    Vec f(game.dim());
    game.apply(z, f);
    EXPECT_LT(rel_err(f, mean), 1e-12);
    EXPECT_NEAR(game.value(z), mean_f, 1e-12 * (1.0 + std::abs(mean_f)));
  }
}

TEST(BilinearGame, SolutionZeroesTheOperator) {
  // ||F(z*)|| <= 1e-10 (L ||z*|| + ||c||): an LU solve with one refinement step leaves a
  // residual of a few eps times that scale even for the smallest lambda tried (cond ~ 1e4).
  struct Case {
    BilinearMatrices kind;
    double lambda;
    std::size_t dim, devices;
  };
  for (const Case c : {Case{BilinearMatrices::positive_definite, 1.0, 100, 10},
                       Case{BilinearMatrices::positive_definite, 0.0, 100, 10},
                       Case{BilinearMatrices::gaussian, 0.01, 50, 5},
                       Case{BilinearMatrices::gaussian, 1.0, 100, 10}}) {
    BilinearGameParams p;
    p.dim = c.dim;
    p.num_devices = c.devices;
    p.lambda = c.lambda;
    p.matrices = c.kind;
    p.seed = 4;
    const BilinearGame game(p);
    const auto zs = game.solution();
    ASSERT_EQ(zs.size(), 2 * c.dim);
    Vec f(game.dim());
    game.apply(zs, f);
    const double scale = game.lipschitz() * vec::norm2(zs) +
                         std::hypot(game.mean_linear_x().norm(), game.mean_linear_y().norm());
    EXPECT_LE(vec::norm2(f), 1e-10 * scale) << "lambda=" << c.lambda;
    EXPECT_GT(vec::norm2(zs), 0.1);  // a non-trivial solution
  }
}

TEST(BilinearGame, StrongMonotonicityHoldsAndIsTight) {
  // <F(u) - F(v), u - v> = lambda ||u - v||^2 exactly in exact arithmetic (skew off-diagonal
  // blocks), so the bound must hold and be attained up to round-off (1e-10 relative).
  const BilinearGameParams p = small_params(BilinearMatrices::gaussian);
  const BilinearGame game(p);
  EXPECT_EQ(game.strong_monotonicity(), p.lambda);
  Rng rng(3, Purpose::test);
  for (int t = 0; t < 200; ++t) {
    const Vec u = random_vec(rng, game.dim(), 1.0);
    const Vec v = random_vec(rng, game.dim(), 1.0);
    Vec fu(game.dim()), fv(game.dim()), df(game.dim()), dz(game.dim());
    game.apply(u, fu);
    game.apply(v, fv);
    vec::sub(fu, fv, df);
    vec::sub(u, v, dz);
    const double lhs = vec::dot(df, dz);
    const double rhs = game.strong_monotonicity() * vec::norm2_sq(dz);
    ASSERT_GE(lhs, rhs * (1 - 1e-10));
    ASSERT_NEAR(lhs, rhs, 1e-10 * rhs);
    // Each device is strongly monotone with the same mu.
    const auto dev = game.device(t % p.num_devices);
    vec::sub(eval(dev, u), eval(dev, v), df);
    ASSERT_NEAR(vec::dot(df, dz), rhs, 1e-10 * rhs);
  }
}

TEST(BilinearGame, LipschitzConstantsAreValidAndTight) {
  // Valid: random pairs never exceed L (1e-12 relative slack for round-off).
  // Tight: power iteration on J^T J (J read off the operator) attains L within 1e-6 relative.
  for (auto kind : {BilinearMatrices::positive_definite, BilinearMatrices::gaussian}) {
    const BilinearGameParams p = small_params(kind);
    const BilinearGame game(p);
    Rng rng(5, Purpose::test);
    double sum_sq = 0.0;
    for (std::size_t m = 0; m < p.num_devices; ++m) {
      const BilinearDeviceOperator op = game.device(m);
      const double lm = op.lipschitz();
      EXPECT_DOUBLE_EQ(lm, game.device_lipschitz()[m]);
      sum_sq += lm * lm;
      for (int t = 0; t < 200; ++t) {
        const Vec u = random_vec(rng, op.dim(), 1.0);
        const Vec v = random_vec(rng, op.dim(), 1.0);
        Vec df(op.dim());
        vec::sub(eval(op, u), eval(op, v), df);
        ASSERT_LE(vec::norm2(df), lm * std::sqrt(vec::dist2_sq(u, v)) * (1 + 1e-12));
      }
      const Eigen::MatrixXd jac =
          jacobian(op.dim(), [&](const Vec& z, Vec& out) { op.apply(z, out); });
      EXPECT_NEAR(power_iteration_sqrt(jac.transpose() * jac, 5000), lm, 1e-6 * lm);
      // The paper's bound ||A_m||_2 + lambda is valid but looser.
      EXPECT_LE(lm, jac.topRightCorner(p.dim, p.dim).norm() + p.lambda);
    }
    EXPECT_NEAR(game.lipschitz_hat(), std::sqrt(sum_sq / p.num_devices), 1e-12);
    const Eigen::MatrixXd jac =
        jacobian(game.dim(), [&](const Vec& z, Vec& out) { game.apply(z, out); });
    EXPECT_NEAR(power_iteration_sqrt(jac.transpose() * jac, 5000), game.lipschitz(),
                1e-6 * game.lipschitz());
    // ||mean J_m|| <= mean ||J_m|| <= quadratic mean.
    EXPECT_LE(game.lipschitz(), game.lipschitz_hat());
    EXPECT_DOUBLE_EQ(game.mean_term_lipschitz_hat(), game.lipschitz_hat());  // r = 1
  }
}

TEST(BilinearGame, FiniteSumTermsAverageToTheDeviceOperator) {
  BilinearGameParams p = small_params();
  p.num_terms = 5;
  p.term_noise = 0.5;
  BilinearGameParams p1 = p;
  p1.num_terms = 1;
  Rng rng(6, Purpose::test);
  for (std::size_t m = 0; m < p.num_devices; ++m) {
    const BilinearDeviceOperator op(p, m);
    const BilinearDeviceOperator det(p1, m);
    ASSERT_EQ(op.num_terms(), 5u);
    const Vec z = random_vec(rng, op.dim(), 1.0);
    // r only adds centered noise: the mean operator is the deterministic one, bit for bit.
    EXPECT_EQ(eval(op, z), eval(det, z));
    std::vector<std::uint32_t> all(5);
    std::iota(all.begin(), all.end(), 0u);
    Vec mean(op.dim());
    op.apply_terms(z, all, mean);
    // Centering and averaging round at ~1e-16 of the data scale.
    EXPECT_LT(rel_err(mean, eval(op, z)), 1e-13);
    // The terms really differ (noise 0.5 on O(1) data), so the test above is not vacuous.
    EXPECT_GT(rel_err(apply_term(op, z, 0), apply_term(op, z, 1)), 0.05);
    // Repeated indices weigh a term twice.
    const std::uint32_t rep[] = {2, 2, 4};
    Vec got(op.dim()), expected(op.dim(), 0.0);
    op.apply_terms(z, rep, got);
    vec::axpy(2.0 / 3, apply_term(op, z, 2), expected);
    vec::axpy(1.0 / 3, apply_term(op, z, 4), expected);
    EXPECT_LT(rel_err(got, expected), 1e-14);
    // Every term is itself a lambda-strongly monotone game.
    const Vec u = random_vec(rng, op.dim(), 1.0);
    Vec df(op.dim()), dz(op.dim());
    vec::sub(apply_term(op, z, 3), apply_term(op, u, 3), df);
    vec::sub(z, u, dz);
    EXPECT_NEAR(vec::dot(df, dz), p.lambda * vec::norm2_sq(dz), 1e-10 * vec::norm2_sq(dz));
  }
  // The deterministic operator's terms are the operator itself.
  const BilinearDeviceOperator det(p1, 0);
  const Vec z = random_vec(rng, det.dim(), 1.0);
  EXPECT_EQ(apply_term(det, z, 0), eval(det, z));
}

TEST(BilinearGame, MeanTermLipschitzIsValidAndTight) {
  // calL_m^2 = lambda_max((1/r) sum_i J_i^T J_i): never exceeded on random pairs (1e-12 slack),
  // attained by power iteration within 1e-6, and >= L_m (Jensen).
  BilinearGameParams p = small_params(BilinearMatrices::gaussian);
  p.num_terms = 4;
  p.term_noise = 0.8;
  const BilinearGame game(p);
  Rng rng(7, Purpose::test);
  double sum_sq = 0.0;
  for (std::size_t m = 0; m < p.num_devices; ++m) {
    const BilinearDeviceOperator op = game.device(m);
    const double cl = op.mean_term_lipschitz();
    sum_sq += cl * cl;
    EXPECT_GT(cl, op.lipschitz() * (1 + 1e-3));  // noise strictly increases it
    Eigen::MatrixXd s = Eigen::MatrixXd::Zero(op.dim(), op.dim());
    for (std::uint32_t i = 0; i < 4; ++i) {
      const Eigen::MatrixXd ji =
          jacobian(op.dim(), [&](const Vec& z, Vec& out) { out = apply_term(op, z, i); });
      s += ji.transpose() * ji / 4.0;
    }
    EXPECT_NEAR(power_iteration_sqrt(s, 5000), cl, 1e-6 * cl);
    for (int t = 0; t < 100; ++t) {
      const Vec u = random_vec(rng, op.dim(), 1.0);
      const Vec v = random_vec(rng, op.dim(), 1.0);
      double ms = 0.0;
      for (std::uint32_t i = 0; i < 4; ++i) {
        ms += vec::dist2_sq(apply_term(op, u, i), apply_term(op, v, i)) / 4.0;
      }
      ASSERT_LE(ms, cl * cl * vec::dist2_sq(u, v) * (1 + 1e-12));
    }
  }
  EXPECT_NEAR(game.mean_term_lipschitz_hat(), std::sqrt(sum_sq / p.num_devices), 1e-12);
}

TEST(BilinearGame, GenerationIsDeterministicAndPerDevice) {
  BilinearGameParams p = small_params();
  p.num_terms = 3;
  const BilinearGame a(p), b(p);
  Rng rng(8, Purpose::test);
  const Vec z = random_vec(rng, a.dim(), 1.0);
  for (std::size_t m = 0; m < p.num_devices; ++m) {
    EXPECT_EQ(eval(a.device(m), z), eval(b.device(m), z));
    EXPECT_EQ(apply_term(a.device(m), z, 2), apply_term(BilinearDeviceOperator(p, m), z, 2));
  }
  EXPECT_EQ(Vec(a.solution().begin(), a.solution().end()),
            Vec(b.solution().begin(), b.solution().end()));
  EXPECT_EQ(a.lipschitz(), b.lipschitz());
  // Device m's data depend on (seed, m) only, not on how many devices there are.
  BilinearGameParams more = p;
  more.num_devices = 9;
  EXPECT_EQ(eval(BilinearDeviceOperator(more, 2), z), eval(a.device(2), z));
  // Different seeds and different devices give different data.
  BilinearGameParams other = p;
  other.seed = p.seed + 1;
  EXPECT_NE(eval(BilinearDeviceOperator(other, 0), z), eval(a.device(0), z));
  EXPECT_NE(eval(a.device(1), z), eval(a.device(0), z));
}

TEST(BilinearGame, PaperDefaultsHavePerBlockDimension) {
  // Paper: x, y in R^d with d = 100, so z has 200 entries; A_m symmetric positive definite.
  const BilinearGameParams p;
  EXPECT_EQ(p.dim, 100u);
  const BilinearDeviceOperator op(p, 0);
  EXPECT_EQ(op.dim(), 200u);
  const Eigen::MatrixXd& a = op.matrix();
  EXPECT_LT((a - a.transpose()).norm(), 1e-14 * a.norm());
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a);
  EXPECT_GE(es.eigenvalues().minCoeff(), 0.1 - 1e-12);  // the documented shift
}

TEST(BilinearGame, RejectsInvalidParameters) {
  auto bad = [](auto edit) {
    BilinearGameParams p = small_params();
    edit(p);
    return p;
  };
  EXPECT_THROW(BilinearGame(bad([](auto& p) { p.dim = 0; })), InvalidArgument);
  EXPECT_THROW(BilinearGame(bad([](auto& p) { p.num_devices = 0; })), InvalidArgument);
  EXPECT_THROW(BilinearGame(bad([](auto& p) { p.lambda = -0.1; })), InvalidArgument);
  EXPECT_THROW(BilinearGame(bad([](auto& p) { p.lambda = std::nan(""); })), InvalidArgument);
  EXPECT_THROW(BilinearGame(bad([](auto& p) { p.num_terms = 0; })), InvalidArgument);
  EXPECT_THROW(BilinearGame(bad([](auto& p) { p.term_noise = -1; })), InvalidArgument);
  const BilinearGameParams p = small_params();
  EXPECT_THROW(BilinearDeviceOperator(p, p.num_devices), InvalidArgument);
  const BilinearDeviceOperator op(p, 0);
  Vec z(op.dim(), 0.0), out(op.dim()), short_out(3);
  EXPECT_THROW(op.apply(z, short_out), InvalidArgument);
  EXPECT_THROW(op.apply(z, z), InvalidArgument);  // aliasing
  const std::uint32_t out_of_range[] = {1};
  EXPECT_THROW(op.apply_terms(z, out_of_range, out), InvalidArgument);
  EXPECT_THROW(op.apply_terms(z, std::span<const std::uint32_t>(), out), InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Gap function, eq. (11)

// The definition, evaluated at one u: <F(u), z - u> + h(z) - h(u).
double gap_term(const BilinearGame& game, const CompositeTerm& h, const Vec& z, const Vec& u) {
  Vec fu(game.dim()), dz(game.dim());
  game.apply(u, fu);
  vec::sub(z, u, dz);
  return vec::dot(fu, dz) + h.value(z, 1e-12) - h.value(u, 1e-12);
}

Vec random_in(const ConstraintSet& c, Rng& rng, std::size_t n, double scale) {
  Vec u = random_vec(rng, n, scale);
  c.project(u, u);
  return u;
}

TEST(BilinearGap, MonotoneBoxMatchesVertexBruteForce) {
  // lambda = 0, h = 0: u -> <F(u), z - u> is linear, so its max over the box is at one of the
  // 2^(2d) = 64 vertices. Same sums in another order: 1e-12 relative.
  BilinearGameParams p = small_params(BilinearMatrices::gaussian);
  p.dim = 3;
  p.lambda = 0.0;
  const BilinearGame game(p);
  const auto box = ConstraintSet::box(-1.0, 0.5);
  Rng rng(9, Purpose::test);
  for (int t = 0; t < 20; ++t) {
    const Vec z = random_in(box, rng, game.dim(), 0.7);
    double best = -std::numeric_limits<double>::infinity();
    for (unsigned mask = 0; mask < 64; ++mask) {
      Vec u(6);
      for (int i = 0; i < 6; ++i) u[i] = (mask >> i) & 1u ? 0.5 : -1.0;
      best = std::max(best, gap_term(game, CompositeTerm(), z, u));
    }
    Vec arg(6);
    const double g = game.gap(z, box, CompositeTerm(), arg);
    ASSERT_NEAR(g, best, 1e-12 * (1.0 + std::abs(best)));
    ASSERT_GT(g, 0.0);  // z is not a solution
    ASSERT_NEAR(gap_term(game, CompositeTerm(), z, arg), g, 1e-12 * (1.0 + g));
  }
}

TEST(BilinearGap, MonotoneGapVanishesOnlyAtTheSaddlePoint) {
  // lambda = 0 with the positive definite generator: z* is unique; on a box containing it,
  // z* solves the constrained VI too, so Gap(z*) = 0 (up to round-off of the linear solve,
  // 1e-10 of the natural scale). Moving away makes the gap strictly positive.
  BilinearGameParams p = small_params();
  p.lambda = 0.0;
  const BilinearGame game(p);
  const Vec zs(game.solution().begin(), game.solution().end());
  const double bound = 1.5 * vec::norm_inf(zs);
  const auto box = ConstraintSet::box(-bound, bound);
  const double scale = game.lipschitz() * bound * bound;
  EXPECT_LE(std::abs(game.gap(zs, box)), 1e-10 * scale);
  Rng rng(10, Purpose::test);
  for (int t = 0; t < 20; ++t) {
    Vec z = zs;
    vec::axpy(0.1 * bound, random_vec(rng, zs.size(), 1.0), z);
    box.project(z, z);
    EXPECT_GT(game.gap(z, box), 1e-6 * scale);
  }
}

// Projected extragradient (Korpelevich) to a fixed point: the reference constrained solver.
Vec solve_by_extragradient(const BilinearGame& game, const CompositeTerm& h) {
  const std::size_t n = game.dim();
  const double gamma = 0.5 / game.lipschitz();
  Vec z(n, 0.0), half(n), f(n), next(n);
  for (int k = 0; k < 200000; ++k) {
    game.apply(z, f);
    for (std::size_t i = 0; i < n; ++i) half[i] = z[i] - gamma * f[i];
    h.prox(gamma, half, half);
    game.apply(half, f);
    for (std::size_t i = 0; i < n; ++i) next[i] = z[i] - gamma * f[i];
    h.prox(gamma, next, next);
    const double step = std::sqrt(vec::dist2_sq(next, z));
    z.swap(next);
    if (step < 1e-15) break;
  }
  return z;
}

TEST(BilinearGap, StronglyMonotoneConstrainedSaddlePoint) {
  // lambda > 0 on a small box, so several constraints are active at the solution (checked).
  // Extragradient converges linearly to the unique solution; there Gap = 0 (tolerance: the
  // gap is Lipschitz in z with constant ~ L * diam(C) ~ 1, and EG stops at steps < 1e-15).
  const BilinearGameParams p = small_params(BilinearMatrices::gaussian);
  const BilinearGame game(p);
  for (const auto& z_set :
       {ConstraintSet::box(-0.05, 0.05), ConstraintSet::ball(Vec(12, 0.02), 0.1)}) {
    SCOPED_TRACE(z_set.describe());
    for (double rho : {0.0, 0.3}) {
      const CompositeTerm h(z_set, rho);
      const Vec zs = solve_by_extragradient(game, h);
      // The unconstrained solution is outside Z, so the constraint matters.
      ASSERT_FALSE(z_set.contains(game.solution(), 1e-3));
      EXPECT_LE(std::abs(game.gap(zs, z_set, h)), 1e-10);
      // Elsewhere in Z the gap is positive and bounds every term of the supremum.
      Rng rng(12, Purpose::test);
      for (int t = 0; t < 20; ++t) {
        const Vec z = random_in(z_set, rng, game.dim(), 0.1);
        Vec arg(game.dim());
        const double g = game.gap(z, z_set, h, arg);
        ASSERT_GT(g, 0.0);
        ASSERT_TRUE(z_set.contains(arg, 1e-14));
        ASSERT_NEAR(gap_term(game, h, z, arg), g, 1e-12 * (1.0 + g));
        for (int s = 0; s < 200; ++s) {
          Vec u = random_in(z_set, rng, game.dim(), 0.1);
          if (s % 2 == 0) {  // near the maximizer, where a wrong argmax would show
            for (std::size_t i = 0; i < u.size(); ++i) u[i] = arg[i] + 0.01 * u[i];
            z_set.project(u, u);
          }
          ASSERT_LE(gap_term(game, h, z, u), g + 1e-12 * (1.0 + g));
        }
      }
    }
  }
}

TEST(BilinearGap, MonotoneBallUsesSupportFunction) {
  // lambda = 0, h = indicator of a ball: the sup of the linear function is attained on the
  // sphere at center + R g/||g||; sampled points never exceed it.
  BilinearGameParams p = small_params();
  p.lambda = 0.0;
  const BilinearGame game(p);
  const auto ball = ConstraintSet::ball(Vec(game.dim(), 0.1), 0.5);
  Rng rng(13, Purpose::test);
  for (int t = 0; t < 10; ++t) {
    const Vec z = random_in(ball, rng, game.dim(), 1.0);
    Vec arg(game.dim());
    const double g = game.gap(z, ball, CompositeTerm(ball), arg);
    ASSERT_GE(g, 0.0);
    ASSERT_NEAR(gap_term(game, CompositeTerm(ball), z, arg), g, 1e-12 * (1.0 + g));
    for (int s = 0; s < 500; ++s) {
      const Vec u = random_in(ball, rng, game.dim(), 1.0);
      ASSERT_LE(gap_term(game, CompositeTerm(ball), z, u), g + 1e-12 * (1.0 + g));
    }
  }
}

TEST(BilinearGap, GapIsNonnegativeOnC) {
  // Taking u = z in the sup gives 0, so Gap >= 0 on C (exactly, up to round-off of the
  // closed form: -1e-12).
  for (double lambda : {0.0, 0.4}) {
    BilinearGameParams p = small_params(BilinearMatrices::gaussian);
    p.lambda = lambda;
    const BilinearGame game(p);
    const auto box = ConstraintSet::box(-2.0, 1.0);
    Rng rng(14, Purpose::test);
    for (int t = 0; t < 100; ++t) {
      const Vec z = random_in(box, rng, game.dim(), 1.5);
      ASSERT_GE(game.gap(z, box), -1e-12);
    }
  }
}

TEST(BilinearGap, OutsideZOrBadSetIsHandled) {
  const BilinearGame game(small_params());
  const auto box = ConstraintSet::box(-1.0, 1.0);
  const CompositeTerm h(box);
  Vec z(game.dim(), 0.0);
  z[0] = 2.0;  // outside Z: h(z) = +inf
  EXPECT_EQ(game.gap(z, box, h), std::numeric_limits<double>::infinity());
  // C must lie in Z.
  EXPECT_THROW(game.gap(Vec(game.dim(), 0.0), ConstraintSet::box(-2.0, 2.0), h), InvalidArgument);
  // lambda = 0 over an unbounded C: +inf.
  BilinearGameParams p = small_params();
  p.lambda = 0.0;
  const BilinearGame mono(p);
  EXPECT_EQ(mono.gap(Vec(mono.dim(), 0.0), ConstraintSet()),
            std::numeric_limits<double>::infinity());
  // lambda > 0 over the whole space is finite: sup of a concave quadratic.
  EXPECT_TRUE(std::isfinite(game.gap(Vec(game.dim(), 0.0), ConstraintSet())));
}

}  // namespace
}  // namespace dcopt

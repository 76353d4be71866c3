// ConstraintSet (Z, and the gap's C) and CompositeTerm (h = indicator_Z + rho/2 ||.||^2).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/problems/composite_term.hpp"
#include "dcopt/problems/constraint_set.hpp"

namespace dcopt {
namespace {

using vec::Vec;

Vec random_vec(Rng& rng, std::size_t n, double scale) {
  Vec v(n);
  for (double& x : v) x = scale * rng.normal();
  return v;
}

// The shapes every property test runs on, all in dimension 7 (the ball fixes it).
std::vector<ConstraintSet> test_sets() {
  Rng rng(5, Purpose::test);
  return {ConstraintSet::whole_space(), ConstraintSet::box(-0.5, 0.7),
          ConstraintSet::box(0.0, std::numeric_limits<double>::infinity()),
          ConstraintSet::ball(random_vec(rng, 7, 0.5), 0.8)};
}

TEST(ConstraintSet, BoxClampsEachCoordinate) {
  const auto box = ConstraintSet::box(-1.0, 2.0);
  const Vec v = {-3.0, 0.5, 5.0, -1.0, 2.0};
  Vec out(v.size());
  box.project(v, out);
  EXPECT_EQ(out, (Vec{-1.0, 0.5, 2.0, -1.0, 2.0}));
  EXPECT_TRUE(box.is_bounded());
}

TEST(ConstraintSet, BallScalesTowardsCenter) {
  const auto ball = ConstraintSet::ball({1.0, 1.0}, 1.0);
  Vec out(2);
  // v - c = (3, 4), distance 5: the projection is c + (3, 4)/5.
  ball.project(Vec{4.0, 5.0}, out);
  EXPECT_NEAR(out[0], 1.6, 1e-15);
  EXPECT_NEAR(out[1], 1.8, 1e-15);
  // A point inside is unchanged, exactly.
  ball.project(Vec{1.2, 0.7}, out);
  EXPECT_EQ(out, (Vec{1.2, 0.7}));
}

TEST(ConstraintSet, WholeSpaceIsIdentity) {
  Vec v = {1e300, -3.0, 0.0};
  Vec out(3);
  ConstraintSet().project(v, out);
  EXPECT_EQ(out, v);
  EXPECT_FALSE(ConstraintSet().is_bounded());
}

TEST(ConstraintSet, ProjectionIsIdempotentNonexpansiveAndVariational) {
  // Projection onto a closed convex set P: P(P v) = P v, ||P u - P v|| <= ||u - v||, and
  // <v - P v, w - P v> <= 0 for every w in Z. Tolerances: a ball projection rescales by R/||.||,
  // so re-projecting a point on the sphere may move it by a few ulps (1e-14 absolute at these
  // unit scales); the inequalities get the same round-off slack.
  Rng rng(17, Purpose::test);
  for (const auto& set : test_sets()) {
    SCOPED_TRACE(set.describe());
    for (int t = 0; t < 200; ++t) {
      const Vec u = random_vec(rng, 7, 2.0);
      const Vec v = random_vec(rng, 7, 2.0);
      Vec pu(7), pv(7), ppv(7);
      set.project(u, pu);
      set.project(v, pv);
      set.project(pv, ppv);
      ASSERT_TRUE(set.contains(pv, 1e-14));
      ASSERT_LE(std::sqrt(vec::dist2_sq(ppv, pv)), 1e-14);
      ASSERT_LE(std::sqrt(vec::dist2_sq(pu, pv)), std::sqrt(vec::dist2_sq(u, v)) + 1e-14);
      // pu is a point of Z: the variational inequality at pv against it.
      Vec r(7), w(7);
      vec::sub(v, pv, r);
      vec::sub(pu, pv, w);
      ASSERT_LE(vec::dot(r, w), 1e-13);
    }
  }
}

TEST(ConstraintSet, ProjectionMayWorkInPlace) {
  Rng rng(3, Purpose::test);
  for (const auto& set : test_sets()) {
    Vec v = random_vec(rng, 7, 3.0);
    Vec expected(7);
    set.project(v, expected);
    set.project(v, v);
    EXPECT_EQ(v, expected) << set.describe();
  }
}

TEST(ConstraintSet, ProxOfIndicatorIsProjectionForAnyGamma) {
  const auto box = ConstraintSet::box(-1.0, 1.0);
  const Vec v = {3.0, -0.2};
  Vec a(2), b(2);
  box.prox(0.01, v, a);
  box.prox(100.0, v, b);
  EXPECT_EQ(a, (Vec{1.0, -0.2}));
  EXPECT_EQ(b, a);
  EXPECT_THROW(box.prox(0.0, v, a), InvalidArgument);
}

TEST(ConstraintSet, SupportMatchesBruteForce) {
  // Box: a linear function is maximized at a vertex; enumerate all 2^5 vertices.
  Rng rng(23, Purpose::test);
  const auto box = ConstraintSet::box(-0.3, 1.1);
  for (int t = 0; t < 20; ++t) {
    const Vec g = random_vec(rng, 5, 1.0);
    double best = -std::numeric_limits<double>::infinity();
    for (unsigned mask = 0; mask < 32; ++mask) {
      Vec u(5);
      for (int i = 0; i < 5; ++i) u[i] = (mask >> i) & 1u ? 1.1 : -0.3;
      best = std::max(best, vec::dot(g, u));
    }
    // Same terms summed in a different order: 1e-14 relative.
    ASSERT_NEAR(box.support(g), best, 1e-14 * (1.0 + std::abs(best)));
  }
  // Ball: attained at c + R g/||g||, never exceeded inside.
  const auto ball = ConstraintSet::ball(random_vec(rng, 5, 1.0), 0.6);
  const Vec g = random_vec(rng, 5, 1.0);
  Vec top(5);
  for (int i = 0; i < 5; ++i) top[i] = ball.center()[i] + 0.6 * g[i] / vec::norm2(g);
  EXPECT_NEAR(ball.support(g), vec::dot(g, top), 1e-13);
  for (int t = 0; t < 500; ++t) {
    Vec u = random_vec(rng, 5, 1.0);
    ball.project(u, u);
    ASSERT_LE(vec::dot(g, u), ball.support(g) + 1e-13);
  }
  // Unbounded directions.
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(ConstraintSet().support(g), inf);
  EXPECT_EQ(ConstraintSet().support(Vec(5, 0.0)), 0.0);
  EXPECT_EQ(ConstraintSet::box(0.0, inf).support(Vec{-1.0, 0.0}), 0.0);
  EXPECT_EQ(ConstraintSet::box(0.0, inf).support(Vec{-1.0, 1.0}), inf);
}

TEST(ConstraintSet, SetInclusion) {
  const auto big_box = ConstraintSet::box(-2.0, 2.0);
  const auto small_box = ConstraintSet::box(-1.0, 1.0);
  const auto ball_in = ConstraintSet::ball({0.5, -0.5}, 1.0);
  const auto ball_out = ConstraintSet::ball({1.5, 0.0}, 1.0);
  EXPECT_TRUE(big_box.contains(small_box, 2));
  EXPECT_FALSE(small_box.contains(big_box, 2));
  EXPECT_TRUE(big_box.contains(ball_in, 2));
  EXPECT_FALSE(big_box.contains(ball_out, 2));
  // The box [-1,1]^2 has its vertices at distance sqrt(2) from 0.
  EXPECT_TRUE(ConstraintSet::ball({0.0, 0.0}, 1.415).contains(small_box, 2));
  EXPECT_FALSE(ConstraintSet::ball({0.0, 0.0}, 1.414).contains(small_box, 2));
  EXPECT_TRUE(ConstraintSet::ball({0.0, 0.0}, 2.0).contains(ball_in, 2));
  EXPECT_FALSE(ConstraintSet::ball({0.0, 0.0}, 2.0).contains(ball_out, 2));
  EXPECT_TRUE(ConstraintSet().contains(big_box, 2));
  EXPECT_FALSE(big_box.contains(ConstraintSet(), 2));
  EXPECT_FALSE(ball_in.contains(small_box, 3));  // dimension mismatch
}

TEST(ConstraintSet, ContainsPoints) {
  const auto box = ConstraintSet::box(-1.0, 1.0);
  EXPECT_TRUE(box.contains(Vec{1.0, -1.0}));
  EXPECT_FALSE(box.contains(Vec{1.0 + 1e-9, 0.0}));
  EXPECT_TRUE(box.contains(Vec{1.0 + 1e-9, 0.0}, 1e-8));
  EXPECT_FALSE(box.contains(Vec{std::nan(""), 0.0}));
  EXPECT_FALSE(ConstraintSet::ball({0.0}, 1.0).contains(Vec{0.0, 0.0}));
}

TEST(ConstraintSet, RejectsInvalidShapes) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(ConstraintSet::box(2.0, 1.0), InvalidArgument);
  EXPECT_THROW(ConstraintSet::box(std::nan(""), 1.0), InvalidArgument);
  EXPECT_THROW(ConstraintSet::box(inf, inf), InvalidArgument);
  EXPECT_THROW(ConstraintSet::ball({0.0}, -1.0), InvalidArgument);
  EXPECT_THROW(ConstraintSet::ball({}, 1.0), InvalidArgument);
  EXPECT_THROW(ConstraintSet::ball({inf}, 1.0), InvalidArgument);
  Vec out(3);
  EXPECT_THROW(ConstraintSet::ball({0.0, 0.0}, 1.0).project(Vec{1.0, 2.0, 3.0}, out),
               InvalidArgument);
  EXPECT_THROW(ConstraintSet().project(Vec{1.0, 2.0}, out), InvalidArgument);
}

TEST(CompositeTerm, ProxClosedFormOnWholeSpace) {
  const CompositeTerm h(ConstraintSet(), 3.0);
  const Vec v = {2.0, -4.0};
  Vec out(2);
  h.prox(0.5, v, out);  // v / (1 + 0.5 * 3)
  EXPECT_DOUBLE_EQ(out[0], 0.8);
  EXPECT_DOUBLE_EQ(out[1], -1.6);
  EXPECT_EQ(h.strong_convexity(), 3.0);
}

TEST(CompositeTerm, ProxMinimizesItsObjective) {
  // prox_{gamma h}(v) = argmin_u gamma h(u) + 1/2 ||u - v||^2: no feasible sample does better.
  // The objective is (1 + gamma rho)-strongly convex, so also check the growth bound
  // obj(u) - obj(p) >= (1 + gamma rho)/2 ||u - p||^2, which a wrong minimizer would violate.
  Rng rng(31, Purpose::test);
  const double gamma = 0.7;
  for (const auto& set : test_sets()) {
    for (double rho : {0.0, 0.5, 4.0}) {
      SCOPED_TRACE(set.describe() + " rho=" + std::to_string(rho));
      const CompositeTerm h(set, rho);
      auto obj = [&](const Vec& u, const Vec& v) {
        return gamma * h.value(u, 1e-14) + 0.5 * vec::dist2_sq(u, v);
      };
      for (int t = 0; t < 50; ++t) {
        const Vec v = random_vec(rng, 7, 2.0);
        Vec p(7);
        h.prox(gamma, v, p);
        ASSERT_TRUE(set.contains(p, 1e-14));
        for (int s = 0; s < 40; ++s) {
          Vec u = random_vec(rng, 7, 2.0);
          if (s % 2 == 0) {  // also probe close to p, where a wrong answer is most visible
            for (int i = 0; i < 7; ++i) u[i] = p[i] + 0.05 * u[i];
          }
          set.project(u, u);
          const double growth = 0.5 * (1.0 + gamma * rho) * vec::dist2_sq(u, p);
          ASSERT_GE(obj(u, v) - obj(p, v), growth - 1e-12);
        }
      }
    }
  }
}

TEST(CompositeTerm, ValueIsInfiniteOutsideZ) {
  const CompositeTerm h(ConstraintSet::box(-1.0, 1.0), 2.0);
  EXPECT_DOUBLE_EQ(h.value(Vec{0.5, -1.0}), 1.25);
  EXPECT_EQ(h.value(Vec{1.5, 0.0}), std::numeric_limits<double>::infinity());
  EXPECT_THROW(CompositeTerm(ConstraintSet(), -1.0), InvalidArgument);
  Vec out(2);
  EXPECT_THROW(h.prox(-1.0, Vec{0.0, 0.0}, out), InvalidArgument);
}

}  // namespace
}  // namespace dcopt

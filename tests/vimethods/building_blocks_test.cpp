// The VI building blocks, each tested once: prox step, error memory, operator difference,
// reference point, gathered constants.
#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/methods/blocks/error_memory.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/operator_difference.hpp"
#include "dcopt/methods/blocks/prox_step.hpp"
#include "dcopt/methods/blocks/reference_point.hpp"
#include "dcopt/methods/vi/vi_constants.hpp"
#include "dcopt/problems/bilinear_game.hpp"
#include "vi_run.hpp"

namespace dcopt {
namespace {

TEST(ProxStep, IsProxOfAnchorMinusGammaTimesDirections) {
  const CompositeTerm h(ConstraintSet::box(-1, 1), 0.5);
  const vec::Vec anchor{0.3, -2.0, 4.0}, g1{1.0, 1.0, -2.0}, g2{0.5, 0.0, 1.0};
  vec::Vec out(3), expect(3);
  prox_step(h, 0.4, anchor, g1, g2, out);
  for (std::size_t i = 0; i < 3; ++i) {
    expect[i] = std::clamp((anchor[i] - 0.4 * (g1[i] + g2[i])) / (1 + 0.4 * 0.5), -1.0, 1.0);
  }
  EXPECT_EQ(out, expect);
  prox_step(h, 0.4, anchor, g1, out);
  EXPECT_DOUBLE_EQ(out[0], (0.3 - 0.4) / 1.2);
  vec::Vec alias = anchor;  // out may alias anchor
  prox_step(h, 0.4, alias, g1, alias);
  EXPECT_EQ(alias, out);
}

TEST(ErrorMemory, KeepsWhatWasNotSent) {
  ErrorMemory<double> m(3);
  const vec::Vec x{1.0, -2.0, 3.0};
  auto v = m.load(x, 2.0);
  EXPECT_EQ(vec::Vec(v.begin(), v.end()), (vec::Vec{2.0, -4.0, 6.0}));
  m.keep_residual(vec::Vec{0.0, -4.0, 6.0});  // a "top-2" of v
  EXPECT_EQ(vec::Vec(m.error().begin(), m.error().end()), (vec::Vec{2.0, 0.0, 0.0}));
  v = m.load(x);
  EXPECT_EQ(vec::Vec(v.begin(), v.end()), (vec::Vec{3.0, -2.0, 3.0}));
}

// Through real exchanges: TopK (k = 1) on 3 threads; every worker's residual is exactly
// v - C(v) and the average is the mean of the sent C(v); with the identity at fp64 e stays 0.
TEST(ErrorMemory, WorkerAndServerMemoriesWithRealCodecs) {
  run_threads(3, [](Communicator& comm) {
    WorkerContext ctx{comm, 5};
    const double r = ctx.rank() + 1.0;
    const vec::Vec x{r, -3.0 * r, 0.5};
    auto topk = make_compressor("topk:k=1,precision=64");
    StreamPlan plan;
    Exchange<double> exchange(plan.exchange("memories")), second(plan.exchange("exact"));
    ErrorMemory<double> mem(3), server(3);
    vec::Vec avg(3), got(3);
    mem.exchange(ctx, exchange, *topk, x, 1.0, avg, 1);
    // top-1 of x_w is its middle entry -3r: sent (0, -3r, 0), kept (r, 0, 0.5)
    EXPECT_EQ(vec::Vec(mem.error().begin(), mem.error().end()), (vec::Vec{r, 0.0, 0.5}));
    EXPECT_DOUBLE_EQ(avg[1], -3.0 * (1 + 2 + 3) / 3.0);
    server.broadcast(ctx, exchange, *topk, avg, got, 1);
    EXPECT_EQ(got, (vec::Vec{0.0, -6.0, 0.0}));
    auto id = make_compressor("identity:precision=64");
    ErrorMemory<double> exact(3);
    exact.exchange(ctx, second, *id, x, 0.3, avg, 2);
    EXPECT_EQ(vec::norm_inf(exact.error()), 0.0);
  });
}

TEST(OperatorDifference, DeterministicUsesCachedFmwAndMinibatchUsesSameTermsAtBothPoints) {
  BilinearGameParams p = testing_vi::game_params(1.0, 4, 2, 6);
  const BilinearGame game(p);
  run_threads(1, [&](Communicator& comm) {
    WorkerContext ctx{comm, 3};
    const auto op = game.make_operator(0);
    const std::size_t d = op->dim();
    vec::Vec z(d, 0.2), w(d, -0.1), Fw(d), out(d), a(d), b(d);
    op->apply(w, Fw);
    const MinibatchStream stream = StreamPlan().minibatch("difference");
    OperatorDifference det(d, 0, stream);
    StepCost c = det(ctx, *op, 1, z, w, Fw, out);
    EXPECT_EQ(c.full_grads, 1u);
    op->apply(z, a);
    for (std::size_t i = 0; i < d; ++i) EXPECT_DOUBLE_EQ(out[i], a[i] - Fw[i]);
    OperatorDifference mb(d, 2, stream);
    c = mb(ctx, *op, 7, z, w, Fw, out);
    EXPECT_EQ(c.sample_grads, 4u);
    EXPECT_EQ(c.full_grads, 0u);
    std::vector<std::uint32_t> idx;
    sample_minibatch(ctx, stream, 6, 2, false, 7, idx);
    op->apply_terms(z, idx, a);
    op->apply_terms(w, idx, b);
    for (std::size_t i = 0; i < d; ++i) EXPECT_DOUBLE_EQ(out[i], a[i] - b[i]);
  });
}

TEST(ReferencePoint, ResetAveragesDenseAndCoinIsSharedAndBernoulli) {
  const BilinearGame game(testing_vi::game_params(1.0, 4, 3));
  run_threads(3, [&](Communicator& comm) {
    WorkerContext ctx{comm, 9};
    const auto op = game.make_operator(static_cast<std::size_t>(ctx.rank()));
    const std::size_t d = op->dim();
    StreamPlan plan;
    ReferencePoint ref(make_compressor("identity:precision=64"), d, plan.exchange("reference"));
    vec::Vec z(d, 0.3), F(d), zbar(d);
    StepCost c = ref.reset(ctx, *op, z, 0);
    EXPECT_EQ(c.full_grads, 1u);
    EXPECT_EQ(c.bits_up, c.bits_down);
    game.apply(z, F);
    for (std::size_t i = 0; i < d; ++i) EXPECT_NEAR(ref.F_w()[i], F[i], 1e-14);
    vec::Vec z2(d, -1.0);
    ref.mix(0.25, z2, zbar);
    EXPECT_DOUBLE_EQ(zbar[0], 0.25 * -1.0 + 0.75 * 0.3);
    int hits = 0;
    for (std::uint64_t k = 1; k <= 400; ++k) {
      bool refreshed = false;
      ref.maybe_reset(ctx, *op, z2, 0.25, k, &refreshed);
      hits += refreshed;  // the collective inside would hang/throw if the coin differed by rank
    }
    EXPECT_NEAR(hits, 100, 4 * std::sqrt(400 * 0.25 * 0.75));
  });
}

TEST(ViConstants, GatheredFromEveryDevice) {
  const BilinearGame game(testing_vi::game_params(0.5, 5, 4));
  run_threads(4, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1};
    const auto op = game.make_operator(static_cast<std::size_t>(ctx.rank()));
    const CompositeTerm h(ConstraintSet::whole_space(), 0.2);
    ViConstants c = gather_vi_constants(ctx, *op, h, {game.lipschitz(), 0.5});
    EXPECT_EQ(c.workers, 4);
    ASSERT_EQ(c.L_m.size(), 4u);
    for (int m = 0; m < 4; ++m) EXPECT_DOUBLE_EQ(c.L_m[m], game.device_lipschitz()[m]);
    EXPECT_NEAR(c.L_hat, game.lipschitz_hat(), 1e-12);
    EXPECT_DOUBLE_EQ(c.L, game.lipschitz());
    EXPECT_FALSE(c.L_is_bound);
    EXPECT_DOUBLE_EQ(c.mu(), 0.7);
    ViConstants bound = gather_vi_constants(ctx, *op, h);
    EXPECT_TRUE(bound.L_is_bound);
    EXPECT_GE(bound.L, game.lipschitz() - 1e-12);  // the triangle-inequality bound
    EXPECT_EQ(bound.mu_F, 0.0);
  });
}

}  // namespace
}  // namespace dcopt

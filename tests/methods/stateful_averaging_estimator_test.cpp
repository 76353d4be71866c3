// The estimator that drives a StatefulCompressor through the exchange, on worker threads:
// PowerSGD reproduces a low-rank average, reports the exact bits of its messages (all-reduced
// phases), warms up densely, resumes bit for bit from its state; error feedback with a sparse
// codec goes through the gather path and agrees with EfEstimator.
#include "dcopt/methods/estimators/stateful_averaging_estimator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/compress/error_feedback_compressor.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/methods/estimators/ef_estimator.hpp"
#include "methods/powersgd_scenario.hpp"

namespace dcopt::testing {
namespace {

// The gradient a test sets directly.
template <class T>
class FixedOracle final : public GradientOracle<T> {
 public:
  explicit FixedOracle(std::vector<T> g) : g_(std::move(g)) {}
  std::size_t dim() const override { return g_.size(); }
  std::size_t num_samples() const override { return 1; }
  std::span<const T> gradient(std::span<const T>) override { return g_; }
  std::span<const T> minibatch_gradient(std::span<const T>,
                                        std::span<const std::uint32_t>) override {
    return g_;
  }
  std::vector<T> g_;
};

// Worker w's gradient: each compressed matrix U_m C_{m,w} (shared U_m: the average has rank
// <= r), everything else Gaussian.
std::vector<float> low_rank_gradient(const PowerSgdCompressor<float>& c, std::size_t r, int w) {
  const ParamLayout& layout = c.layout();
  std::vector<float> g(layout.size());
  Rng rng(3, Purpose::test, static_cast<std::uint64_t>(w));
  for (float& v : g) v = static_cast<float>(rng.normal());
  for (const auto& m : c.matrices()) {
    Rng shared(3, Purpose::test, 1000 + m.tensor);
    std::vector<double> U(m.rows * r), C(r * m.cols);
    for (double& u : U) u = shared.normal();
    for (double& v : C) v = rng.normal();
    std::span<float> M = layout.view(std::span<float>(g), m.tensor);
    for (std::size_t a = 0; a < m.rows; ++a) {
      for (std::size_t b = 0; b < m.cols; ++b) {
        double s = 0.0;
        for (std::size_t j = 0; j < r; ++j) s += U[a * r + j] * C[j * m.cols + b];
        M[a * m.cols + b] = static_cast<float>(s);
      }
    }
  }
  return g;
}

std::uint64_t identity_header_bits(std::size_t d) {
  Rng rng(0, Purpose::test);
  return make_compressor("identity")
      ->encode(std::span<const float>(std::vector<float>(d)), rng)
      .header_bits;
}

TEST(StatefulAveragingEstimator, PowerSgdReproducesALowRankAverageWithExactBits) {
  constexpr int n = 4;
  PowerSgdOptions o;
  o.matrix_approximation_rank = 2;
  const ParamLayout layout = powersgd_net();
  std::vector<std::vector<float>> grads(n), estimates(n);
  std::vector<StepCost> costs(n);
  run_threads(n, [&](Communicator& comm) {
    WorkerContext ctx{comm, 5};
    auto est = powersgd_estimator<float>(o, n);
    const auto& sc = dynamic_cast<const PowerSgdCompressor<float>&>(est->compressor());
    const int w = ctx.rank();
    FixedOracle<float> f(low_rank_gradient(sc, 2, w));
    std::vector<float> x(layout.size(), 0.0f);
    costs[w] = est->update(ctx, f, x, 1);
    grads[w] = f.g_;
    estimates[w].assign(est->estimate().begin(), est->estimate().end());
  });
  for (int w = 1; w < n; ++w) EXPECT_EQ(estimates[w], estimates[0]) << w;
  // Tolerance as in tests/compress/powersgd_test.cpp: three fp32 roundings, amplified by sums
  // of <= 20 terms and P's conditioning; dense tensors: fp32 means of 4 terms (1e-6 relative).
  PowerSgdCompressor<float> sc(layout, o);
  for (std::size_t t = 0; t < layout.num_tensors(); ++t) {
    const auto got = layout.view(std::span<const float>(estimates[0]), t);
    double scale = 0.0, err = 0.0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      double mean = 0.0;
      for (int w = 0; w < n; ++w) mean += grads[w][layout[t].offset + i] / n;
      scale = std::max(scale, std::abs(mean));
      err = std::max(err, std::abs(got[i] - mean));
    }
    EXPECT_LE(err, 1e-5 * scale) << layout[t].name;
  }
  // Bits: 32 r (rows + cols) per compressed matrix + 32 numel per dense tensor, plus each
  // phase's header; nothing comes down.
  const std::uint64_t payload = 32 * (2 * (20 + 16) + 2 * (12 + 15) + 16 + 12);
  const std::uint64_t headers =
      identity_header_bits(sc.phase_dim(0)) + identity_header_bits(sc.phase_dim(1));
  for (int w = 0; w < n; ++w) {
    EXPECT_EQ(costs[w].bits_up, payload + headers);
    EXPECT_EQ(costs[w].bits_down, 0u);
    EXPECT_EQ(costs[w].full_grads, 1u);
  }
}

TEST(StatefulAveragingEstimator, WarmUpRoundsAreOneDensePhase) {
  const ParamLayout layout = powersgd_net();
  std::vector<std::uint64_t> bits;
  run_threads(2, [&](Communicator& comm) {
    WorkerContext ctx{comm, 5};
    auto est = powersgd_estimator<float>(powersgd_scenario_options(), 2);
    std::vector<float> x(layout.size(), 0.0f);
    TargetOracle<float> f(layout.size(), ctx.rank());
    for (std::uint64_t k = 1; k <= 2; ++k) {
      f.round(k);
      const StepCost c = est->update(ctx, f, x, k);
      if (ctx.rank() == 0) bits.push_back(c.bits_up);
    }
  });
  ASSERT_EQ(bits.size(), 2u);
  EXPECT_EQ(bits[0], 32 * layout.size() + identity_header_bits(layout.size()));
  EXPECT_LT(bits[1], bits[0] / 2);  // compressed from round 2 on
}

TEST(StatefulAveragingEstimator, SaveLoadMidRunContinuesBitForBit) {
  const ParamLayout layout = powersgd_net();
  constexpr int n = 3;
  std::vector<std::vector<float>> full(n), resumed(n);
  run_threads(n, [&](Communicator& comm) {
    WorkerContext ctx{comm, 5};
    const int w = ctx.rank();
    auto a = powersgd_estimator<float>(powersgd_scenario_options(), n);
    std::vector<float> x(layout.size(), 0.0f);
    powersgd_rounds(ctx, *a, x, 1, 3);
    StateWriter wr;
    wr.f32s("x", x);
    a->save(wr);
    const std::vector<std::uint8_t> state = wr.take();
    powersgd_rounds(ctx, *a, x, 4, 7);
    full[w] = x;

    auto b = powersgd_estimator<float>(powersgd_scenario_options(), n);
    std::vector<float> y(layout.size());
    StateReader r(state, "test");
    r.f32s("x", y);
    b->load(r);
    r.expect_end();
    powersgd_rounds(ctx, *b, y, 4, 7);
    resumed[w] = y;
    EXPECT_TRUE(std::ranges::equal(a->estimate(), b->estimate()));
  });
  for (int w = 0; w < n; ++w) EXPECT_EQ(resumed[w], full[w]) << w;
  // And the run moved: a resumed run that ignored its state would not match.
  EXPECT_NE(full[0], std::vector<float>(layout.size(), 0.0f));
}

TEST(StatefulAveragingEstimator, ErrorFeedbackWithTopKAgreesWithEfEstimator) {
  // A phase codec that is not the identity goes through the gather path; the result is the
  // existing EF estimator's, round after round (identity fp32 server: the broadcast is exact).
  // Under the server topology the server decodes the messages and sends the exact average back.
  for (Topology topology : {Topology::allgather, Topology::server}) {
    SCOPED_TRACE(topology_name(topology));
    constexpr int n = 3;
    const std::size_t d = 24;
    bool same = true;
    std::mutex mu;
    run_threads(n, [&](Communicator& comm) {
      WorkerContext ctx{comm, 5, topology};
      const CompressorPtr topk = make_compressor("topk:k=3");
      StreamPlan s1, s2;
      const EstimatorSetup e{d, n, 1, 1, std::nullopt};
      StatefulAveragingEstimator<float> mine(
          std::make_unique<ErrorFeedbackCompressor<float>>(topk, d), e, s1);
      EfEstimator<float> ef(EfSpec{topk, make_compressor("identity"), 1.0, 1.0}, e, s2);
      TargetOracle<float> f(d, ctx.rank());
      std::vector<float> x(d, 0.0f);
      for (std::uint64_t k = 1; k <= 6; ++k) {
        f.round(k);
        const StepCost a = mine.update(ctx, f, x, k);
        const StepCost b = ef.update(ctx, f, x, k);
        std::lock_guard lock(mu);
        same = same && std::ranges::equal(mine.estimate(), ef.estimate()) && a.bits_up == b.bits_up;
        for (std::size_t i = 0; i < d; ++i) x[i] -= 0.2f * mine.estimate()[i];
      }
    });
    EXPECT_TRUE(same);
  }
}

}  // namespace
}  // namespace dcopt::testing

// MarinaEstimator on buffers the caller owns, in fp32 and fp64: the network layer's use of the
// estimator (its own iterate and update rule, its oracle's gradient buffer), checked against the
// same run in fp64 and against the convex method built from the same settings.
#include "dcopt/methods/estimators/marina_estimator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <mutex>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/compress/compression_policy.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/param_layout.hpp"
#include "dcopt/core/settings.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/estimators/objective_oracle.hpp"
#include "dcopt/methods/method_catalog.hpp"
#include "dcopt/methods/minimization/marina.hpp"
#include "dcopt/methods/minimization/problem_constants.hpp"
#include "methods/method_harness.hpp"

namespace dcopt {
namespace {

// An oracle that remembers every point it was asked about: the estimator must evaluate at the
// caller's buffer itself, never at a copy of it.
template <class T>
class WatchingOracle final : public GradientOracle<T> {
 public:
  explicit WatchingOracle(const Objective& f) : inner_(f) {}
  std::size_t dim() const override { return inner_.dim(); }
  std::size_t num_samples() const override { return inner_.num_samples(); }
  std::span<const T> gradient(std::span<const T> x) override {
    points.push_back(x.data());
    return inner_.gradient(x);
  }
  std::span<const T> minibatch_gradient(std::span<const T> x,
                                        std::span<const std::uint32_t> idx) override {
    points.push_back(x.data());
    return inner_.minibatch_gradient(x, idx);
  }
  std::vector<const T*> points;

 private:
  ObjectiveOracle<T> inner_;
};

struct Trajectory {
  std::vector<std::vector<double>> x;  // worker 0's iterate after init and after every round
  std::vector<std::uint64_t> bits_up;  // worker 0's uplink bits per round
  bool evaluated_in_place = true;      // every oracle call saw the caller's buffer
  bool estimate_buffer_stable = true;  // estimate() kept its storage
};

// `rounds` rounds of x^k = x^{k-1} - gamma g^{k-1}, x owned by this function, on 4 threads.
template <class T>
Trajectory run(int rounds, const Settings& settings) {
  const QuadraticSpec q = testing::heterogeneous_quadratic(4);
  Trajectory out;
  std::mutex mu;
  run_threads(4, [&](Communicator& comm) {
    WorkerContext ctx{comm, 11};
    const QuadraticObjective f = make_quadratic_worker(q, static_cast<std::size_t>(ctx.rank()));
    const ProblemConstants c = gather_constants(ctx, f);
    const double gamma = 0.5 / c.L_tilde;
    Settings s = settings;
    StreamPlan streams;
    auto estimator = make_marina_estimator<T>(s, c.estimator_setup(), streams);
    WatchingOracle<T> oracle(f);
    std::vector<T> x(f.dim(), T{0});
    Trajectory mine;
    StepCost cost = estimator->init(ctx, oracle, x);
    const T* estimate = estimator->estimate().data();
    mine.x.emplace_back(x.begin(), x.end());
    for (int k = 1; k <= rounds; ++k) {
      vec::axpy(T(-gamma), estimator->estimate(), std::span<T>(x));
      cost = estimator->update(ctx, oracle, x, static_cast<std::uint64_t>(k));
      mine.x.emplace_back(x.begin(), x.end());
      mine.bits_up.push_back(cost.bits_up);
      mine.estimate_buffer_stable =
          mine.estimate_buffer_stable && estimator->estimate().data() == estimate;
    }
    for (const T* p : oracle.points)
      mine.evaluated_in_place = mine.evaluated_in_place && p == x.data();
    if (ctx.rank() == 0) {
      std::lock_guard<std::mutex> lock(mu);
      out = std::move(mine);
    }
  });
  return out;
}

Settings marina_settings() {
  Settings s("marina estimator test");
  s.set("codec", std::string("randk:k=3"));
  s.set("p", 0.2);
  return s;
}

TEST(MarinaEstimator, Fp32OnCallerBuffersTracksTheFp64Run) {
  const int rounds = 200;
  const Trajectory f32 = run<float>(rounds, marina_settings());
  const Trajectory f64 = run<double>(rounds, marina_settings());
  ASSERT_EQ(f32.x.size(), static_cast<std::size_t>(rounds + 1));
  EXPECT_TRUE(f32.evaluated_in_place) << "the fp32 oracle saw a copy of x";
  EXPECT_TRUE(f64.evaluated_in_place) << "the fp64 oracle saw a copy of x";
  EXPECT_TRUE(f32.estimate_buffer_stable);
  // Same coins and RandK supports (the streams do not depend on the element type), and the wire
  // values are fp32 in both runs: the messages have the same sizes round for round.
  EXPECT_EQ(f32.bits_up, f64.bits_up);
  // The runs differ only by fp32 rounding of x, the gradients and the sums (eps = 6e-8 per
  // operation). The iteration contracts (gamma = 0.5/L on a strongly convex quadratic), so the
  // rounding does not compound: measured max relative gap 2.0e-7 (a few fp32 ulps); 4e-6 leaves
  // a 20x margin and is still 10^5 times below the distance the iterate travels.
  double worst = 0;
  for (int k = 0; k <= rounds; ++k) {
    const auto& a = f32.x[static_cast<std::size_t>(k)];
    const auto& b = f64.x[static_cast<std::size_t>(k)];
    const double scale = std::max(vec::norm2(b), 1e-12);
    worst = std::max(worst, std::sqrt(vec::dist2_sq(a, b)) / scale);
  }
  EXPECT_LT(worst, 4e-6);
  EXPECT_GT(vec::norm2(f64.x.back()), 0.1);  // it moved
}

TEST(MarinaEstimator, Fp64OnCallerBuffersIsTheConvexMethodBitForBit) {
  // The convex method is this estimator plus the plain step: the same numbers.
  const int rounds = 60;
  const Trajectory mine = run<double>(rounds, marina_settings());
  const QuadraticSpec q = testing::heterogeneous_quadratic(4);
  std::vector<std::vector<double>> method_x;
  std::mutex mu;
  run_threads(4, [&](Communicator& comm) {
    WorkerContext ctx{comm, 11};
    const QuadraticObjective f = make_quadratic_worker(q, static_cast<std::size_t>(ctx.rank()));
    const ProblemConstants c = gather_constants(ctx, f);
    Settings ms = marina_settings();
    ms.set("gamma", 0.5 / c.L_tilde);
    auto method = make_minimization_method("marina", ms, {f, c, std::vector<double>(f.dim(), 0)});
    std::vector<std::vector<double>> xs;
    method->init(ctx);
    xs.emplace_back(method->iterate().begin(), method->iterate().end());
    for (int k = 1; k <= rounds; ++k) {
      method->step(ctx, static_cast<std::uint64_t>(k));
      xs.emplace_back(method->iterate().begin(), method->iterate().end());
    }
    if (ctx.rank() == 0) {
      std::lock_guard<std::mutex> lock(mu);
      method_x = std::move(xs);
    }
  });
  ASSERT_EQ(method_x.size(), mine.x.size());
  for (std::size_t k = 0; k < mine.x.size(); ++k)
    EXPECT_EQ(method_x[k], mine.x[k]) << "round " << k;
}

}  // namespace
}  // namespace dcopt

namespace dcopt {
namespace {

// Per-tensor compression reaches the estimator unchanged: MARINA over a layered codec (a policy
// applied to a layout of the flat fp32 buffer) converges, and a compressed round's uplink is the
// exact size of the layered message.
TEST(MarinaEstimator, LayeredCodecFromAPolicyOverALayout) {
  const QuadraticSpec q = testing::heterogeneous_quadratic(4);  // d = 10
  const ParamLayout layout = ParamLayout::packed({{"layer.weight", {2, 4}}, {"layer.bias", {2}}});
  const auto layered =
      CompressionPolicy::parse("rank<=1 -> identity:precision=32; default -> randk:k=2")
          .apply(layout);
  std::vector<double> final_grad_sq(4);
  run_threads(4, [&](Communicator& comm) {
    WorkerContext ctx{comm, 5};
    const QuadraticObjective f = make_quadratic_worker(q, static_cast<std::size_t>(ctx.rank()));
    const ProblemConstants c = gather_constants(ctx, f);
    MarinaSpec spec;
    spec.codec = layered;
    spec.dense = make_compressor("identity:precision=32");
    spec.server = spec.dense;
    spec.p = 0.1;
    StreamPlan streams;
    MarinaEstimator<float> estimator(spec, c.estimator_setup(), streams);
    ObjectiveOracle<float> oracle(f);
    std::vector<float> x(f.dim(), 0.0f), zero(f.dim(), 0.0f);
    estimator.init(ctx, oracle, x);
    // One message of the layered codec, for its exact size (randk's size does not depend on x).
    Rng rng(1, Purpose::test);
    const std::uint64_t layered_bits = layered->encode(std::span<const float>(zero), rng).bits;
    std::uint64_t compressed_rounds = 0;
    const double gamma = 0.2 / c.L_tilde;
    for (std::uint64_t k = 1; k <= 1500; ++k) {
      vec::axpy(static_cast<float>(-gamma), estimator.estimate(), std::span<float>(x));
      const StepCost cost = estimator.update(ctx, oracle, x, k);
      if (cost.bits_up != 32 * f.dim() + 16) {  // not a dense round (identity fp32 + header)
        EXPECT_EQ(cost.bits_up, layered_bits) << "round " << k;
        ++compressed_rounds;
      }
    }
    EXPECT_GT(compressed_rounds, 1000u);
    std::vector<double> xd(x.begin(), x.end()), g(f.dim());
    f.gradient(xd, g);
    comm.allreduce_sum(g);
    final_grad_sq[static_cast<std::size_t>(ctx.rank())] = vec::norm2_sq(g) / 16.0;
  });
  // From ||grad f(0)||^2 of order 1 down to fp32 round-off: the layered estimator is unbiased.
  for (double v : final_grad_sq) EXPECT_LT(v, 1e-8);
}

}  // namespace
}  // namespace dcopt

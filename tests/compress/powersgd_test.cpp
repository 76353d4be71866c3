// PowerSGD as a StatefulCompressor, with n workers simulated in one thread (every worker's
// messages decoded by the stateless phase codec and averaged with weight 1/n in rank order, the
// exchange's gather path): exact for a low-rank average, the exact bits on the wire, the
// min_compression_rate rule, the dense warm-up, error feedback e = v - estimate, warm start,
// checkpoints that resume bit for bit, the phase protocol, and no allocation per step.
#include "dcopt/compress/powersgd.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/state_io.hpp"
#include "support/allocation_counter.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

// Two matrices PowerSGD compresses at r = 2 (20x16: 320 > 2*2*36; the kernel [12, 3, 5] is
// 12x15: 180 > 2*2*27), a bias and a matrix too small to be worth it (3x4: 12 < 2*2*7).
ParamLayout net() {
  return ParamLayout::packed({{"w1", {20, 16}}, {"w2", {12, 3, 5}}, {"b", {16}}, {"s", {3, 4}}});
}

PowerSgdOptions rank(std::size_t r) {
  PowerSgdOptions o;
  o.matrix_approximation_rank = r;
  return o;
}

// Multiples of 1/16 in [-4, 4]: exact in fp32, and so are their means over 4 workers.
template <class T>
void dyadic(std::span<T> x, Rng& rng) {
  for (T& v : x) v = static_cast<T>(static_cast<double>(rng.below(129)) / 16.0 - 4.0);
}

// Worker w's vector: every compressed matrix is U_m C_{m,w} with U_m shared by the workers
// (so the average has rank <= `r`), everything else dyadic.
template <class T>
std::vector<T> low_rank_input(const PowerSgdCompressor<T>& c, std::size_t r, int w,
                              std::uint64_t seed) {
  const ParamLayout& layout = c.layout();
  std::vector<T> x(layout.size());
  Rng rng(seed, Purpose::test, static_cast<std::uint64_t>(w));
  for (std::size_t t : c.dense_tensors()) dyadic(layout.view(std::span<T>(x), t), rng);
  for (const auto& m : c.matrices()) {
    Rng shared(seed, Purpose::test, 1000 + m.tensor);
    std::vector<double> U(m.rows * r), C(r * m.cols);
    for (double& u : U) u = shared.normal();
    for (double& v : C) v = rng.normal();
    std::span<T> M = layout.view(std::span<T>(x), m.tensor);
    for (std::size_t a = 0; a < m.rows; ++a) {
      for (std::size_t b = 0; b < m.cols; ++b) {
        double s = 0.0;
        for (std::size_t j = 0; j < r; ++j) s += U[a * r + j] * C[j * m.cols + b];
        M[a * m.cols + b] = static_cast<T>(s);
      }
    }
  }
  return x;
}

template <class T>
std::vector<T> gaussian(std::size_t d, std::uint64_t seed, int w) {
  Rng rng(seed, Purpose::test, static_cast<std::uint64_t>(w));
  std::vector<T> x(d);
  for (T& v : x) v = static_cast<T>(rng.normal());
  return x;
}

// n workers' compressors and the step they run together.
template <class T>
struct Cluster {
  std::vector<std::unique_ptr<PowerSgdCompressor<T>>> workers;
  std::vector<Message> msgs;
  std::vector<T> aggregate;
  std::vector<std::vector<T>> estimates;
  /// Bits of worker 0's messages of the last step, per phase (payload only).
  std::vector<std::uint64_t> payload_bits;
  /// Worker 0's phase-0 message of the last step, decoded.
  std::vector<T> sent0;

  Cluster(int n, const ParamLayout& layout, PowerSgdOptions o) : msgs(n), estimates(n) {
    for (int w = 0; w < n; ++w) {
      workers.push_back(std::make_unique<PowerSgdCompressor<T>>(layout, o));
      estimates[w].assign(layout.size(), T{0});
    }
  }
  int n() const { return static_cast<int>(workers.size()); }
  PowerSgdCompressor<T>& at(int w) { return *workers[static_cast<std::size_t>(w)]; }

  // One step; returns worker 0's estimate (checks that every worker has the same one).
  const std::vector<T>& step(const std::vector<std::vector<T>>& xs) {
    for (int w = 0; w < n(); ++w) at(w).begin(xs[static_cast<std::size_t>(w)]);
    payload_bits.clear();
    // Read once after begin(): after the last absorb phases() describes the next step.
    const std::size_t phases = at(0).phases();
    for (std::size_t p = 0; p < phases; ++p) {
      for (int w = 0; w < n(); ++w) {
        Rng rng(1, Purpose::compressor, static_cast<std::uint64_t>(w), p);
        at(w).encode(p, rng, msgs[static_cast<std::size_t>(w)]);
      }
      payload_bits.push_back(msgs[0].payload_bits());
      if (p == 0) {
        sent0.assign(at(0).phase_dim(0), T{0});
        at(0).phase_codec(0).decode(msgs[0].bytes, std::span<T>(sent0),
                                    Rng(1, Purpose::compressor, 0, 0));
      }
      aggregate.assign(at(0).phase_dim(p), T{0});
      for (int w = 0; w < n(); ++w) {
        at(0).phase_codec(p).decode_add(msgs[static_cast<std::size_t>(w)].bytes, 1.0 / n(),
                                        std::span<T>(aggregate), Rng(1, Purpose::compressor, w, p));
      }
      for (int w = 0; w < n(); ++w) {
        at(w).absorb(p, aggregate, estimates[static_cast<std::size_t>(w)]);
      }
    }
    for (int w = 1; w < n(); ++w) EXPECT_EQ(estimates[w], estimates[0]) << "worker " << w;
    return estimates[0];
  }
};

template <class T>
std::vector<double> mean_of(const std::vector<std::vector<T>>& xs) {
  std::vector<double> m(xs[0].size(), 0.0);
  for (const auto& x : xs) {
    for (std::size_t i = 0; i < m.size(); ++i) m[i] += static_cast<double>(x[i]) / xs.size();
  }
  return m;
}

template <class T>
void exact_for_low_rank() {
  constexpr int n = 4;
  const std::size_t r = 2;
  Cluster<T> c(n, net(), rank(r));
  ASSERT_EQ(c.at(0).matrices().size(), 2u);
  ASSERT_EQ(c.at(0).dense_tensors(), (std::vector<std::size_t>{2, 3}));
  std::vector<std::vector<T>> xs;
  for (int w = 0; w < n; ++w) xs.push_back(low_rank_input(c.at(0), r, w, 11));
  const std::vector<double> mean = mean_of(xs);
  const std::vector<T>& est = c.step(xs);
  const ParamLayout layout = net();
  // Every value crosses fp32 about three times (P on the wire, P stored in T, Q on the wire),
  // each a relative 2^-24 = 6e-8, amplified by the sums over <= 20 terms and by the
  // conditioning of P's columns (random Gaussian, well conditioned): 1e-5 of the largest entry
  // is about 100x that estimate, and a rank-deficient reconstruction misses by O(1) (below).
  for (const auto& m : c.at(0).matrices()) {
    const auto got = layout.view(std::span<const T>(est), m.tensor);
    const auto want = layout.view(std::span<const double>(mean), m.tensor);
    double scale = 0.0, err = 0.0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      scale = std::max(scale, std::abs(want[i]));
      err = std::max(err, std::abs(static_cast<double>(got[i]) - want[i]));
    }
    EXPECT_LE(err, 1e-5 * scale) << layout[m.tensor].name;
  }
  // Dense tensors: the mean of exact fp32 values, exactly.
  for (std::size_t t : c.at(0).dense_tensors()) {
    const auto got = layout.view(std::span<const T>(est), t);
    const auto want = layout.view(std::span<const double>(mean), t);
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(static_cast<double>(got[i]), want[i]);
  }

  // The same data at rank 3 is not reproduced by a rank-2 PowerSGD: the check above can fail.
  Cluster<T> c3(n, net(), rank(r));
  std::vector<std::vector<T>> xs3;
  for (int w = 0; w < n; ++w) xs3.push_back(low_rank_input(c3.at(0), 3, w, 11));
  const std::vector<double> mean3 = mean_of(xs3);
  const std::vector<T>& est3 = c3.step(xs3);
  const auto got = layout.view(std::span<const T>(est3), 0);
  const auto want = layout.view(std::span<const double>(mean3), 0);
  double err = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    scale = std::max(scale, std::abs(want[i]));
    err = std::max(err, std::abs(static_cast<double>(got[i]) - want[i]));
  }
  EXPECT_GT(err, 1e-2 * scale);
}

TEST(PowerSgd, OneStepReproducesALowRankAverageFloat) { exact_for_low_rank<float>(); }
TEST(PowerSgd, OneStepReproducesALowRankAverageDouble) { exact_for_low_rank<double>(); }

TEST(PowerSgd, BitsAreTheFactorsAndTheDenseTensors) {
  // r = 4 clamps to 2 for the 2 x 100 matrix (compressed at rate 0.5: 200 > 0.5*2*102).
  const ParamLayout layout =
      ParamLayout::packed({{"w", {30, 20}}, {"thin", {2, 100}}, {"b", {7}}, {"c", {}}});
  PowerSgdOptions o = rank(4);
  o.min_compression_rate = 0.5;
  Cluster<float> c(2, layout, o);
  ASSERT_EQ(c.at(0).matrices().size(), 2u);
  EXPECT_EQ(c.at(0).matrices()[1].rank, 2u);
  std::vector<std::vector<float>> xs{gaussian<float>(layout.size(), 3, 0),
                                     gaussian<float>(layout.size(), 3, 1)};
  c.step(xs);
  ASSERT_EQ(c.payload_bits.size(), 2u);
  EXPECT_EQ(c.payload_bits[0], 32u * (4 * 30 + 2 * 2 + 7 + 1));
  EXPECT_EQ(c.payload_bits[1], 32u * (4 * 20 + 2 * 100));
  // Per worker per step: 32 r (rows + cols) per compressed matrix + 32 numel for the dense.
  EXPECT_EQ(c.payload_bits[0] + c.payload_bits[1], 32u * (4 * 50 + 2 * 102 + 8));
  EXPECT_EQ(c.at(0).phase_dim(0), 4u * 30 + 2 * 2 + 8);
  EXPECT_EQ(c.at(0).phase_dim(1), 4u * 20 + 2 * 100);
}

TEST(PowerSgd, MinCompressionRateSendsSmallMatricesDense) {
  // PyTorch's strict rule rows*cols > rate * r*(rows+cols): 4x4 at r = 1 saves exactly 2x
  // (16 = 2*8) and is dense; 5x5 (25 > 20) is compressed.
  const ParamLayout layout = ParamLayout::packed({{"a", {4, 4}}, {"b", {5, 5}}, {"v", {3}}});
  PowerSgdCompressor<float> c(layout, rank(1));
  ASSERT_EQ(c.matrices().size(), 1u);
  EXPECT_EQ(c.matrices()[0].tensor, 1u);
  EXPECT_EQ(c.dense_tensors(), (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(c.phase_dim(0), 5u + 16 + 3);
  PowerSgdOptions all = rank(1);
  all.min_compression_rate = 0.0;
  EXPECT_EQ(PowerSgdCompressor<float>(layout, all).matrices().size(), 2u);
  all.min_compression_rate = 4.0;  // 25 < 4*10: nothing is worth it, one dense phase
  PowerSgdCompressor<float> none(layout, all);
  EXPECT_TRUE(none.matrices().empty());
  EXPECT_EQ(none.phases(), 1u);
  EXPECT_EQ(none.max_phases(), 1u);
  EXPECT_EQ(none.phase_dim(0), layout.size());
}

TEST(PowerSgd, MinNumelCompressesOnlyLargerMatrices) {
  // The MASHA paper's threshold: only tensors with MORE than min_numel entries are compressed;
  // a matrix of exactly min_numel entries goes dense with the 1-D tensors.
  const ParamLayout layout =
      ParamLayout::packed({{"at", {8, 8}}, {"above", {13, 5}}, {"big", {30, 20}}, {"v", {3}}});
  PowerSgdOptions o = rank(1);
  o.min_numel = 64;
  PowerSgdCompressor<float> c(layout, o);
  ASSERT_EQ(c.matrices().size(), 2u);
  EXPECT_EQ(c.matrices()[0].tensor, 1u);
  EXPECT_EQ(c.matrices()[1].tensor, 2u);
  EXPECT_EQ(c.dense_tensors(), (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(c.phase_dim(0), 13u + 30 + 64 + 3);
  EXPECT_NE(c.spec().find("min_numel=64"), std::string::npos) << c.spec();
  // 0 (the default) leaves the rate rule alone and the spec as before.
  PowerSgdCompressor<float> d(layout, rank(1));
  EXPECT_EQ(d.matrices().size(), 3u);
  EXPECT_EQ(d.spec().find("min_numel"), std::string::npos) << d.spec();
}

TEST(PowerSgd, OneDimensionalVectorIsSentDenseWithErrorFeedbackAgainstTheMean) {
  const ParamLayout flat = ParamLayout::packed({{"x", {9}}});
  Cluster<double> c(2, flat, rank(1));
  EXPECT_EQ(c.at(0).phases(), 1u);
  std::vector<std::vector<double>> xs;
  Rng rng(5, Purpose::test);
  for (int w = 0; w < 2; ++w) {
    xs.emplace_back(9);
    dyadic(std::span<double>(xs.back()), rng);
  }
  const std::vector<double> est = c.step(xs);
  EXPECT_EQ(est, mean_of(xs));
  EXPECT_EQ(c.payload_bits, (std::vector<std::uint64_t>{32 * 9}));
  for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(c.at(1).error()[i], xs[1][i] - est[i]);
}

TEST(PowerSgd, WarmUpStepsAreDenseAveragesWithoutErrorMemory) {
  PowerSgdOptions o = rank(1);
  o.start_powerSGD_iter = 2;
  Cluster<float> c(4, net(), o);  // 4: the means of dyadic values are exact in fp32
  const ParamLayout layout = net();
  Rng rng(8, Purpose::test);
  for (int k = 0; k < 3; ++k) {
    std::vector<std::vector<float>> xs(4, std::vector<float>(layout.size()));
    for (auto& x : xs) dyadic(std::span<float>(x), rng);
    EXPECT_EQ(c.at(0).warming_up(), k < 2);
    EXPECT_EQ(c.at(0).phases(), k < 2 ? 1u : 2u) << k;
    const std::vector<float> est = c.step(xs);
    if (k < 2) {
      EXPECT_EQ(c.payload_bits, (std::vector<std::uint64_t>{32 * layout.size()}));
      const std::vector<double> mean = mean_of(xs);
      for (std::size_t i = 0; i < est.size(); ++i) ASSERT_EQ(est[i], mean[i]) << k << " " << i;
      for (int w = 0; w < 4; ++w) {
        for (float e : c.at(w).error()) ASSERT_EQ(e, 0.0f);
      }
    } else {
      EXPECT_EQ(c.payload_bits.size(), 2u);
      double e2 = 0.0;
      for (float e : c.at(0).error()) e2 += static_cast<double>(e) * e;
      EXPECT_GT(e2, 0.0);  // compression started, and with it the error memory
    }
  }
  EXPECT_EQ(c.at(0).steps(), 3u);
}

template <class T>
void error_feedback_is_v_minus_estimate() {
  Cluster<T> c(2, net(), rank(1));
  const ParamLayout layout = net();
  for (int k = 0; k < 4; ++k) {
    std::vector<std::vector<T>> xs{gaussian<T>(layout.size(), 20 + k, 0),
                                   gaussian<T>(layout.size(), 20 + k, 1)};
    std::vector<std::vector<T>> v(2);
    for (int w = 0; w < 2; ++w) {
      v[w].resize(layout.size());
      for (std::size_t i = 0; i < v[w].size(); ++i) {
        v[w][i] = static_cast<T>(c.at(w).error()[i] + xs[w][i]);
      }
    }
    const std::vector<T> est = c.step(xs);
    for (int w = 0; w < 2; ++w) {
      for (std::size_t i = 0; i < est.size(); ++i) {
        ASSERT_EQ(c.at(w).error()[i], static_cast<T>(v[w][i] - est[i])) << k << " " << w;
      }
    }
  }
  // Without error feedback nothing is remembered.
  PowerSgdOptions o = rank(1);
  o.use_error_feedback = false;
  Cluster<T> plain(2, net(), o);
  plain.step({gaussian<T>(layout.size(), 1, 0), gaussian<T>(layout.size(), 1, 1)});
  for (T e : plain.at(0).error()) ASSERT_EQ(e, T{0});
}

TEST(PowerSgd, ErrorFeedbackKeepsVMinusTheAggregatedEstimateFloat) {
  error_feedback_is_v_minus_estimate<float>();
}
TEST(PowerSgd, ErrorFeedbackKeepsVMinusTheAggregatedEstimateDouble) {
  error_feedback_is_v_minus_estimate<double>();
}

TEST(PowerSgd, WarmStartReusesTheAggregatedQ) {
  const ParamLayout layout = net();
  PowerSgdOptions o = rank(2);
  o.use_error_feedback = false;  // v = x: phase 0's message is M(x) Q
  Cluster<double> warm(2, layout, o);
  o.warm_start = false;
  Cluster<double> cold(2, layout, o);
  for (int k = 0; k < 3; ++k) {
    std::vector<std::vector<double>> xs{gaussian<double>(layout.size(), 40 + k, 0),
                                        gaussian<double>(layout.size(), 40 + k, 1)};
    std::vector<double> q_before;
    for (std::size_t m = 0; m < warm.at(0).matrices().size(); ++m) {
      const auto q = warm.at(0).q(m);
      q_before.insert(q_before.end(), q.begin(), q.end());
    }
    const std::vector<double> est = warm.step(xs);
    // Phase 0 used the Q the previous step left (the initial draw at k = 0).
    std::size_t qo = 0;
    for (const auto& mat : warm.at(0).matrices()) {
      const auto M = layout.view(std::span<const double>(xs[0]), mat.tensor);
      for (std::size_t a = 0; a < mat.rows; ++a) {
        for (std::size_t j = 0; j < mat.rank; ++j) {
          double s = 0.0;
          for (std::size_t b = 0; b < mat.cols; ++b) {
            s += M[a * mat.cols + b] * q_before[qo + b * mat.rank + j];
          }
          // The message is fp32: the same sum (same order, in double), rounded to float.
          ASSERT_EQ(warm.sent0[mat.p_offset + a * mat.rank + j],
                    static_cast<double>(static_cast<float>(s)))
              << k;
        }
      }
      qo += mat.cols * mat.rank;
    }
    // The Q kept is the phase-1 aggregate, the mean of the workers' Q_i.
    for (std::size_t m = 0; m < warm.at(0).matrices().size(); ++m) {
      const auto& mat = warm.at(0).matrices()[m];
      const auto q = warm.at(0).q(m);
      for (std::size_t i = 0; i < q.size(); ++i) ASSERT_EQ(q[i], warm.aggregate[mat.q_offset + i]);
    }
    // Without warm start the first compressed step uses the same initial Q, later ones a
    // fresh draw.
    const std::vector<double> est_cold = cold.step(xs);
    if (k == 0) {
      EXPECT_EQ(est_cold, est);
    } else {
      EXPECT_NE(est_cold, est) << k;
    }
  }
}

TEST(PowerSgd, EveryWorkerStartsFromTheSameQ) {
  PowerSgdCompressor<float> a(net(), rank(2)), b(net(), rank(2));
  PowerSgdOptions other = rank(2);
  other.seed = 1;
  PowerSgdCompressor<float> c(net(), other);
  for (std::size_t m = 0; m < a.matrices().size(); ++m) {
    EXPECT_TRUE(std::ranges::equal(a.q(m), b.q(m)));
    EXPECT_FALSE(std::ranges::equal(a.q(m), c.q(m)));
  }
}

template <class T>
void resumes_bit_for_bit() {
  const ParamLayout layout = net();
  PowerSgdOptions o = rank(2);
  o.start_powerSGD_iter = 1;
  auto inputs = [&](int k) {
    return std::vector<std::vector<T>>{gaussian<T>(layout.size(), 60 + k, 0),
                                       gaussian<T>(layout.size(), 60 + k, 1)};
  };
  Cluster<T> full(2, layout, o);
  std::vector<std::vector<std::uint8_t>> saved(2);
  for (int k = 0; k < 6; ++k) {
    if (k == 3) {
      for (int w = 0; w < 2; ++w) {
        StateWriter wr;
        full.at(w).save(wr);
        saved[w] = wr.take();
      }
    }
    full.step(inputs(k));
  }
  Cluster<T> resumed(2, layout, o);
  for (int w = 0; w < 2; ++w) {
    StateReader r(saved[w], "test");
    resumed.at(w).load(r);
    r.expect_end();
  }
  for (int k = 3; k < 6; ++k) resumed.step(inputs(k));
  for (int w = 0; w < 2; ++w) {
    EXPECT_EQ(resumed.estimates[w], full.estimates[w]);
    EXPECT_TRUE(std::ranges::equal(resumed.at(w).error(), full.at(w).error()));
    EXPECT_EQ(resumed.at(w).steps(), 6u);
  }
}

TEST(PowerSgd, SaveLoadMidRunContinuesBitForBitFloat) { resumes_bit_for_bit<float>(); }
TEST(PowerSgd, SaveLoadMidRunContinuesBitForBitDouble) { resumes_bit_for_bit<double>(); }

TEST(PowerSgd, LoadRejectsAnotherSpecOrLayout) {
  PowerSgdCompressor<float> a(net(), rank(2));
  StateWriter w;
  a.save(w);
  const std::vector<std::uint8_t> bytes = w.take();
  PowerSgdCompressor<float> other_rank(net(), rank(1));
  StateReader r1(bytes, "test");
  try {
    other_rank.load(r1);
    ADD_FAILURE() << "another rank was accepted";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("rank=2"));
  }
  PowerSgdCompressor<float> other_layout(
      ParamLayout::packed({{"w1", {20, 16}}, {"w2", {12, 15}}, {"b", {16}}, {"s", {3, 4}}}),
      rank(2));
  StateReader r2(bytes, "test");
  EXPECT_THROW(other_layout.load(r2), DataError);
  PowerSgdCompressor<double> other_type(net(), rank(2));
  StateReader r3(bytes, "test");
  EXPECT_THROW(other_type.load(r3), DataError);  // f32 values where f64 are expected
}

TEST(PowerSgd, SpecNamesEveryOption) {
  PowerSgdOptions o = rank(4);
  o.orthogonalization_epsilon = 1e-8;
  o.warm_start = false;
  EXPECT_EQ(PowerSgdCompressor<float>(net(), o).spec(),
            "powersgd(rank=4,start_iter=0,min_compression_rate=2,eps=1e-08,ef=1,warm_start=0,"
            "seed=0)");
  EXPECT_THROW(PowerSgdCompressor<float>(net(), rank(0)), InvalidArgument);
  o.min_compression_rate = -1.0;
  EXPECT_THROW(PowerSgdCompressor<float>(net(), o), InvalidArgument);
}

TEST(PowerSgd, PhaseProtocolIsEnforced) {
  PowerSgdCompressor<float> c(net(), rank(1));
  Message m;
  Rng rng(1, Purpose::test);
  std::vector<float> x(c.dim(), 1.0f), agg(c.phase_dim(0)), est(c.dim());
  EXPECT_THROW(c.encode(0, rng, m), std::logic_error);
  c.begin(x);
  EXPECT_THROW(c.begin(x), std::logic_error);
  EXPECT_THROW(c.absorb(0, agg, est), std::logic_error);
  EXPECT_THROW(c.encode(1, rng, m), std::logic_error);
  c.encode(0, rng, m);
  StateWriter w;
  EXPECT_THROW(c.save(w), std::logic_error);
  c.absorb(0, agg, est);
  EXPECT_THROW(c.absorb(1, std::vector<float>(c.phase_dim(1)), est), std::logic_error);
}

TEST(PowerSgd, ZeroGradientGivesZeroNotNaN) {
  Cluster<float> c(2, net(), rank(2));
  const std::vector<float> zero(net().size(), 0.0f);
  const std::vector<float> est = c.step({zero, zero});
  for (float v : est) ASSERT_EQ(v, 0.0f);
}

TEST(PowerSgd, StepsAllocateNothingOnceWarm) {
  Cluster<float> c(2, net(), rank(2));
  const ParamLayout layout = net();
  std::vector<std::vector<float>> xs{gaussian<float>(layout.size(), 1, 0),
                                     gaussian<float>(layout.size(), 1, 1)};
  c.step(xs);  // the messages' and the test's buffers reach their sizes
  std::uint64_t n = 0;
  {
    testing::CountAllocations counter;
    for (int w = 0; w < 2; ++w) c.at(w).begin(xs[w]);
    for (std::size_t p = 0; p < 2; ++p) {
      for (int w = 0; w < 2; ++w) {
        Rng rng(1, Purpose::compressor, w, p);
        c.at(w).encode(p, rng, c.msgs[w]);
      }
      c.aggregate.resize(c.at(0).phase_dim(p));
      for (int w = 0; w < 2; ++w) c.at(w).absorb(p, c.aggregate, c.estimates[w]);
    }
    n = counter.count();
  }
  EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace dcopt

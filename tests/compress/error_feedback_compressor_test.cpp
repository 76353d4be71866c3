// Error feedback as a StatefulCompressor: nothing put in is lost (telescoping), the residual is
// per tensor under a layered codec, the phase protocol is enforced, and the state round-trips
// through StateWriter/StateReader.
#include "dcopt/compress/error_feedback_compressor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dcopt/compress/compression_policy.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/state_io.hpp"

namespace dcopt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

ParamLayout net() { return ParamLayout::packed({{"w", {4, 5}}, {"b", {5}}, {"v", {6}}}); }
constexpr std::size_t kDim = 31;

// Multiples of 1/16 in [-4, 4]: every sum below stays exactly representable in fp32 (and the
// residuals' magnitudes stay far below 2^20), so the telescoping identity holds exactly.
template <class T>
std::vector<T> dyadic(std::size_t d, std::uint64_t seed) {
  Rng rng(seed, Purpose::test, d);
  std::vector<T> x(d);
  for (T& v : x) v = static_cast<T>(static_cast<double>(rng.below(129)) / 16.0 - 4.0);
  return x;
}

template <class T>
std::vector<T> gaussian(std::size_t d, std::uint64_t seed) {
  Rng rng(seed, Purpose::test, d);
  std::vector<T> x(d);
  for (T& v : x) v = static_cast<T>(rng.normal());
  return x;
}

Rng stream(std::uint64_t worker, std::uint64_t round) {
  return Rng(77, Purpose::compressor, worker, round);
}

// One worker's step; returns what a receiver decodes from its message (in double).
template <class T>
std::vector<double> step(ErrorFeedbackCompressor<T>& ef, const std::vector<T>& x,
                         std::uint64_t round, Message& m) {
  ef.begin(x);
  Rng rng = stream(0, round);
  ef.encode(0, rng, m);
  std::vector<double> sent(ef.dim(), 0.0);
  // A receiver: its own codec from the same policy, statelessly.
  ef.phase_codec(0).decode(m.bytes, sent, stream(0, round));
  std::vector<T> sent_t(sent.begin(), sent.end());
  std::vector<T> estimate(ef.dim());
  ef.absorb(0, sent_t, estimate);
  EXPECT_EQ(estimate, sent_t);
  return sent;
}

template <class T>
void telescoping_is_exact() {
  const auto codec =
      CompressionPolicy::parse("name=w -> topk:k=3; name=v -> topk:k=1; default -> identity")
          .apply(net());
  ErrorFeedbackCompressor<T> ef(codec);
  std::vector<double> sent_sum(kDim, 0.0), x_sum(kDim, 0.0);
  Message m;
  for (std::uint64_t k = 0; k < 30; ++k) {
    const auto x = dyadic<T>(kDim, k);
    const auto sent = step(ef, x, k, m);
    for (std::size_t i = 0; i < kDim; ++i) {
      sent_sum[i] += sent[i];
      x_sum[i] += static_cast<double>(x[i]);
    }
    for (std::size_t i = 0; i < kDim; ++i) {
      ASSERT_EQ(sent_sum[i] + static_cast<double>(ef.residual()[i]), x_sum[i])
          << "entry " << i << " after step " << k;
    }
  }
  // Per tensor: the dense bias is sent whole, so its residual stays exactly zero; the sparsified
  // tensors keep what was not sent.
  for (T v : ef.residual(1)) EXPECT_EQ(v, T(0));
  double kept = 0.0;
  for (T v : ef.residual(0)) kept += std::abs(static_cast<double>(v));
  EXPECT_GT(kept, 0.0);
  EXPECT_EQ(ef.residual(2).size(), 6u);
}

TEST(ErrorFeedbackCompressor, TelescopingSumIsExactDouble) { telescoping_is_exact<double>(); }
TEST(ErrorFeedbackCompressor, TelescopingSumIsExactFloat) { telescoping_is_exact<float>(); }

TEST(ErrorFeedbackCompressor, OwnMessageIsDecodedWithTheSendersStream) {
  // randk_shared inside a layered codec: the residual is v minus exactly what a receiver decodes
  // (it regenerates the supports from the stream), so per step C(v_k) + e_k = e_(k-1) + x_k up to
  // one fp64 rounding of each entry (relative 2^-53; 1e-12 of the entry's scale is generous).
  const auto codec =
      CompressionPolicy::parse("rank>=2 -> randk_shared:k=5; default -> identity:precision=64")
          .apply(net());
  ErrorFeedbackCompressor<double> ef(codec);
  Message m;
  for (std::uint64_t k = 0; k < 10; ++k) {
    const std::vector<double> before(ef.residual().begin(), ef.residual().end());
    const auto x = gaussian<double>(kDim, 50 + k);
    const auto sent = step(ef, x, k, m);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < kDim; ++i) {
      const double v = before[i] + x[i];
      ASSERT_NEAR(sent[i] + ef.residual()[i], v, 1e-12 * (std::abs(v) + std::abs(sent[i])))
          << "entry " << i << " step " << k;
      kept += i < 20 && sent[i] != 0.0;
    }
    EXPECT_EQ(kept, 5u) << "step " << k;                // the matrix's 5 regenerated coordinates
    for (double e : ef.residual(1)) ASSERT_EQ(e, 0.0);  // identity at fp64 is exact
  }
}

TEST(ErrorFeedbackCompressor, TelescopingHoldsToRoundingWithInt8) {
  // fp32 state, quantized values: each step rounds v = e + x and e = v - C(v) once each in fp32
  // (relative 2^-24). With |v| < 16 here, 50 steps accumulate at most 50 * 2 * 16 * 2^-24 ~ 1e-4
  // per entry; int8's own error is what the residual carries, not a loss.
  const auto codec =
      CompressionPolicy::parse("rank>=2 -> int8:block=8; default -> fp16").apply(net());
  ErrorFeedbackCompressor<float> ef(codec);
  std::vector<double> sent_sum(kDim, 0.0), x_sum(kDim, 0.0);
  Message m;
  double worst_residual = 0.0;
  for (std::uint64_t k = 0; k < 50; ++k) {
    const auto x = gaussian<float>(kDim, 100 + k);
    const auto sent = step(ef, x, k, m);
    for (std::size_t i = 0; i < kDim; ++i) {
      sent_sum[i] += sent[i];
      x_sum[i] += static_cast<double>(x[i]);
      worst_residual = std::max(worst_residual, std::abs(static_cast<double>(ef.residual()[i])));
    }
  }
  ASSERT_LT(worst_residual, 1.0);
  for (std::size_t i = 0; i < kDim; ++i) {
    EXPECT_NEAR(sent_sum[i] + static_cast<double>(ef.residual()[i]), x_sum[i], 1e-4) << i;
  }
}

TEST(ErrorFeedbackCompressor, WorkersAgreeOnTheEstimate) {
  // Two workers, one phase: each sends C(e_w + x_w); the estimate is the average of the
  // decoded messages, computed by each worker from the same aggregate.
  const auto codec =
      CompressionPolicy::parse("rank>=2 -> topk:k=4; default -> identity").apply(net());
  ErrorFeedbackCompressor<double> a(codec), b(codec);
  ErrorFeedbackCompressor<double>* workers[] = {&a, &b};
  Message msgs[2];
  for (std::uint64_t k = 0; k < 5; ++k) {
    std::vector<double> agg(kDim, 0.0);
    for (std::uint64_t w = 0; w < 2; ++w) {
      workers[w]->begin(gaussian<double>(kDim, 10 * k + w));
      Rng rng = stream(w, k);
      workers[w]->encode(0, rng, msgs[w]);
    }
    for (std::uint64_t w = 0; w < 2; ++w) {
      codec->decode_add(msgs[w].bytes, 0.5, std::span<double>(agg), stream(w, k));
    }
    std::vector<double> ea(kDim), eb(kDim);
    a.absorb(0, agg, ea);
    b.absorb(0, agg, eb);
    EXPECT_EQ(ea, agg);
    EXPECT_EQ(eb, agg);
  }
  // The workers' states are their own.
  EXPECT_NE(std::vector<double>(a.residual().begin(), a.residual().end()),
            std::vector<double>(b.residual().begin(), b.residual().end()));
}

template <class T>
void save_load_round_trip() {
  const CompressionPolicy policy =
      CompressionPolicy::parse("name=w -> topk:k=3; default -> int8:block=4");
  ErrorFeedbackCompressor<T> a(policy.apply(net()));
  Message m;
  for (std::uint64_t k = 0; k < 3; ++k) step(a, gaussian<T>(kDim, k), k, m);
  StateWriter w;
  a.save(w);
  ErrorFeedbackCompressor<T> b(policy.apply(net()));  // another worker's, or a resumed run's
  StateReader r(w.bytes(), "test");
  b.load(r);
  r.expect_end();
  ASSERT_EQ(std::vector<T>(b.residual().begin(), b.residual().end()),
            std::vector<T>(a.residual().begin(), a.residual().end()));
  // Both continue bit for bit.
  Message ma, mb;
  for (std::uint64_t k = 3; k < 6; ++k) {
    const auto x = gaussian<T>(kDim, k);
    step(a, x, k, ma);
    step(b, x, k, mb);
    ASSERT_EQ(ma.bytes, mb.bytes) << "step " << k;
  }
  StateWriter wa, wb;
  a.save(wa);
  b.save(wb);
  EXPECT_EQ(wa.bytes(), wb.bytes());
  // reset() returns to the initial state.
  b.reset();
  for (T v : b.residual()) ASSERT_EQ(v, T(0));
}

TEST(ErrorFeedbackCompressor, StateRoundTripsDouble) { save_load_round_trip<double>(); }
TEST(ErrorFeedbackCompressor, StateRoundTripsFloat) { save_load_round_trip<float>(); }

TEST(ErrorFeedbackCompressor, LoadRejectsAnotherConfiguration) {
  const auto codec = CompressionPolicy::parse("rank>=2 -> topk:k=3").apply(net());
  ErrorFeedbackCompressor<double> a(codec);
  Message m;
  step(a, gaussian<double>(kDim, 1), 0, m);
  StateWriter w;
  a.save(w);
  const std::vector<double> before(a.residual().begin(), a.residual().end());
  auto load_error = [&](StatefulCompressor<double>& target,
                        std::span<const std::uint8_t> bytes) -> std::string {
    StateReader r(bytes, "ckpt");
    try {
      target.load(r);
    } catch (const DataError& e) {
      return e.what();
    }
    return "(accepted)";
  };
  // Another policy.
  ErrorFeedbackCompressor<double> other(
      CompressionPolicy::parse("rank>=2 -> topk:k=4").apply(net()));
  EXPECT_THAT(load_error(other, w.bytes()),
              AllOf(HasSubstr("saved for 'ef(layered{rank>=2 -> topk:k=3"), HasSubstr("topk:k=4")));
  // The same policy over another layout of the same size.
  ErrorFeedbackCompressor<double> moved(
      CompressionPolicy::parse("rank>=2 -> topk:k=3")
          .apply(ParamLayout::packed({{"w", {4, 5}}, {"bias", {5}}, {"v", {6}}})));
  EXPECT_THAT(load_error(moved, w.bytes()),
              AllOf(HasSubstr("tensor 1 is 'b' [5] at offset 20 stored but 'bias'")));
  // A plain codec's state is not a layered one's.
  ErrorFeedbackCompressor<double> flat(make_compressor("topk:k=3"), kDim);
  StateWriter wf;
  flat.save(wf);
  EXPECT_THAT(load_error(a, wf.bytes()), HasSubstr("saved for 'ef(topk:k=3,precision=32)'"));
  // Truncated state: a DataError, and the residual is left as it was.
  const std::vector<std::uint8_t>& bytes = w.bytes();
  for (std::size_t len = 0; len < bytes.size(); len += 7) {
    EXPECT_THAT(load_error(a, std::span<const std::uint8_t>(bytes.data(), len)), HasSubstr("ckpt"))
        << len;
    ASSERT_EQ(std::vector<double>(a.residual().begin(), a.residual().end()), before);
  }
}

TEST(ErrorFeedbackCompressor, PhaseProtocolIsEnforced) {
  ErrorFeedbackCompressor<double> ef(make_compressor("topk:k=2"), 10);
  EXPECT_EQ(ef.layout(), nullptr);
  EXPECT_EQ(ef.phases(), 1u);
  EXPECT_EQ(ef.phase_dim(0), 10u);
  EXPECT_EQ(ef.spec(), "ef(topk:k=2,precision=32)");
  EXPECT_THROW(ef.residual(0), std::logic_error);
  const std::vector<double> x(10, 1.0);
  std::vector<double> est(10);
  Message m;
  Rng rng(1, Purpose::compressor);
  EXPECT_THROW(ef.encode(0, rng, m), std::logic_error);  // before begin
  EXPECT_THROW(ef.absorb(0, est, est), std::logic_error);
  ef.begin(x);
  EXPECT_THROW(ef.begin(x), std::logic_error);  // twice
  StateWriter w;
  EXPECT_THROW(ef.save(w), std::logic_error);  // mid-step
  EXPECT_THROW(ef.encode(1, rng, m), std::out_of_range);
  ef.encode(0, rng, m);
  EXPECT_THROW(ef.encode(0, rng, m), std::logic_error);
  ef.absorb(0, est, est);
  EXPECT_NO_THROW(ef.save(w));
  EXPECT_THROW(ef.phase_codec(1), std::out_of_range);
  // A dimension the codec cannot compress is rejected at construction.
  EXPECT_THROW(ErrorFeedbackCompressor<double>(make_compressor("topk:k=20"), 10), InvalidArgument);
  EXPECT_THROW(ErrorFeedbackCompressor<double>(CompressionPolicy().apply(net()), kDim + 1),
               InvalidArgument);
}

}  // namespace
}  // namespace dcopt

// A layered codec in steady state touches the heap no more than its tensor codecs do: encoding
// into a reused Message (with a per-tensor report) and decoding into the same accumulator
// allocate nothing after a warm-up, at d = 1e6 fp32 over a 3-tensor layout. The counting
// operator new lives in steady_state_alloc_test.cpp of this program; this file only reads it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dcopt/compress/compression_policy.hpp"
#include "dcopt/compress/error_feedback_compressor.hpp"
#include "dcopt/core/rng.hpp"
#include "support/allocation_counter.hpp"

namespace dcopt {
namespace {

using testing::CountAllocations;

// 500000 + 499000 + 1000 = 1e6 entries: two matrices and a bias.
ParamLayout big_layout() {
  return ParamLayout::packed({{"w1", {500, 1000}}, {"w2", {1000, 499}}, {"b", {1000}}});
}

class LayeredSteadyState : public ::testing::TestWithParam<const char*> {};

TEST_P(LayeredSteadyState, FloatRoundTripsAllocateNothingAfterWarmUp) {
  const auto codec = CompressionPolicy::parse(GetParam()).apply(big_layout());
  ASSERT_EQ(codec->layout().size(), 1'000'000u);
  Rng gen(1, Purpose::test);
  std::vector<float> x(codec->layout().size());
  for (float& v : x) v = static_cast<float>(gen.normal());
  std::vector<float> acc(x.size(), 0.0f);
  std::vector<TensorWireBits> report(codec->num_tensors());
  Message m;
  auto round_trip = [&](std::uint64_t round) {
    Rng rng(2, Purpose::compressor, 0, round);
    codec->encode_with_report(std::span<const float>(x), rng, m, report);
    codec->decode_add(m.bytes, 0.5, std::span<float>(acc), Rng(2, Purpose::compressor, 0, round));
  };
  round_trip(0);
  std::uint64_t n = 0;
  {
    CountAllocations counter;
    for (std::uint64_t r = 1; r <= 3; ++r) round_trip(r);
    n = counter.count();
  }
  EXPECT_EQ(n, 0u);
  // The report is real: the tensors' shares add up to the message.
  std::uint64_t sum = 0;
  for (const auto& b : report) sum += b.total();
  EXPECT_EQ(sum + 8 + 8 * 3 + 8, m.bits);  // id, varint(1e6) = 3 bytes, count
}

TEST(LayeredSteadyStateCounter, SeesTheFirstRoundsAllocations) {
  // The counter is live in this file too (so the test above can fail): a cold encode into a
  // fresh Message allocates its buffer.
  const auto codec = CompressionPolicy::parse("default -> identity").apply(big_layout());
  std::vector<float> x(codec->layout().size(), 1.0f);
  Message m;
  CountAllocations counter;
  Rng rng(3, Purpose::compressor);
  codec->encode(std::span<const float>(x), rng, m);
  EXPECT_GE(counter.count(), 1u);
}

TEST(ErrorFeedbackSteadyState, StepsAllocateNothingAfterWarmUp) {
  // begin / encode (which also decodes the sent bytes into the residual) / absorb.
  const auto codec =
      CompressionPolicy::parse("rank<=1 -> identity; numel>2^16 -> int8").apply(big_layout());
  ErrorFeedbackCompressor<float> ef(codec);
  Rng gen(4, Purpose::test);
  std::vector<float> x(ef.dim()), estimate(ef.dim());
  for (float& v : x) v = static_cast<float>(gen.normal());
  Message m;
  auto step = [&](std::uint64_t round) {
    ef.begin(x);
    Rng rng(5, Purpose::compressor, 0, round);
    ef.encode(0, rng, m);
    std::fill(estimate.begin(), estimate.end(), 0.0f);
    ef.phase_codec(0).decode_add(m.bytes, 1.0, std::span<float>(estimate),
                                 Rng(5, Purpose::compressor, 0, round));
    ef.absorb(0, estimate, estimate);
  };
  step(0);
  std::uint64_t n = 0;
  {
    CountAllocations counter;
    for (std::uint64_t r = 1; r <= 3; ++r) step(r);
    n = counter.count();
  }
  EXPECT_EQ(n, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Policies, LayeredSteadyState,
    ::testing::Values("rank<=1 -> identity; numel>2^16 -> int8",
                      "name=w1 -> randk_shared:ratio=0.01; name=w2 -> topk:ratio=0.01; "
                      "default -> identity",
                      "name=w1 -> int8:block=16,rounding=stochastic; name=w2 -> randk:ratio=0.05; "
                      "default -> bf16"),
    [](const ::testing::TestParamInfo<const char*>& info) {
      return "policy" + std::to_string(info.index);
    });

}  // namespace
}  // namespace dcopt

// Steady-state rounds do not touch the heap: encoding into the same Message and decoding into the
// same accumulator, after a warm-up call, performs zero allocations (compressor.hpp: encode
// reuses out.bytes' storage; codecs keep their per-call scratch per thread, thread_scratch.hpp).
//
// Allocations are counted by replacing the global operator new/delete of this test program
// (test_compress): every allocation of the process goes through it, and it counts only on the
// calling thread while a CountAllocations scope is open, so gtest's own allocations elsewhere do
// not interfere.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/rng.hpp"
#include "support/allocation_counter.hpp"
#include "support/allocation_counter_operators.hpp"

namespace dcopt {
namespace {

using testing::CountAllocations;

TEST(AllocationCounter, SeesAllocations) {
  // The counter itself must be able to fail the tests below.
  std::uint64_t n = 0;
  {
    CountAllocations counter;
    std::vector<float> v(1000);
    v.push_back(1.0f);  // grows: a second allocation
    n = counter.count();
  }
  EXPECT_EQ(n, 2u);
  {
    CountAllocations counter;
    std::vector<float> v;
    v.reserve(10);
    v.clear();
    v.resize(10);  // within the capacity
    n = counter.count();
  }
  EXPECT_EQ(n, 1u);
}

struct AllocCase {
  const char* spec;
  /// Message sizes vary from round to round (qsgd's Elias coding, bernoulli's coin): warm up on
  /// the rounds that are then measured, so every buffer has reached its largest size.
  bool variable_size = false;
};

void PrintTo(const AllocCase& c, std::ostream* os) { *os << c.spec; }

constexpr std::size_t kDim = 1'000'000;

std::vector<float> gaussian_float(std::size_t d) {
  Rng rng(1, Purpose::test, d);
  std::vector<float> x(d);
  for (float& v : x) v = static_cast<float>(rng.normal());
  return x;
}

class SteadyStateAllocations : public ::testing::TestWithParam<AllocCase> {};

template <class T>
std::uint64_t measured_allocations(const Compressor& codec, std::span<const T> x, bool variable) {
  Message m;
  std::vector<T> acc(x.size(), T{0});
  auto round_trip = [&](std::uint64_t round) {
    Rng rng(2, Purpose::compressor, 0, round);
    codec.encode(x, rng, m);
    codec.decode_add(m.bytes, 0.5, std::span<T>(acc), Rng(2, Purpose::compressor, 0, round));
  };
  constexpr std::uint64_t kRounds = 4;
  if (variable) {
    for (std::uint64_t r = 1; r <= kRounds; ++r) round_trip(r);
  } else {
    round_trip(0);
  }
  CountAllocations counter;
  for (std::uint64_t r = 1; r <= kRounds; ++r) round_trip(r);
  return counter.count();
}

TEST_P(SteadyStateAllocations, FloatRoundTripsAllocateNothingAfterWarmUp) {
  const CompressorPtr codec = make_compressor(GetParam().spec);
  const std::vector<float> x = gaussian_float(kDim);
  EXPECT_EQ(measured_allocations<float>(*codec, x, GetParam().variable_size), 0u);
}

TEST_P(SteadyStateAllocations, DoubleRoundTripsAllocateNothingAfterWarmUp) {
  const CompressorPtr codec = make_compressor(GetParam().spec);
  const std::vector<float> xf = gaussian_float(kDim);
  const std::vector<double> x(xf.begin(), xf.end());
  EXPECT_EQ(measured_allocations<double>(*codec, x, GetParam().variable_size), 0u);
}

TEST(SteadyStateAllocationsWithoutReuse, FreshMessagesDoAllocate) {
  // The convenience encode returns a new Message, so each call allocates its bytes: the counter
  // sees it (and the reuse above is what removes it).
  const CompressorPtr codec = make_compressor("identity");
  const std::vector<float> x = gaussian_float(1000);
  Rng warm(3, Purpose::compressor);
  (void)codec->encode(std::span<const float>(x), warm);
  CountAllocations counter;
  Rng rng(3, Purpose::compressor, 0, 1);
  Message m = codec->encode(std::span<const float>(x), rng);
  EXPECT_GE(counter.count(), 1u);
}

std::string case_name(const ::testing::TestParamInfo<AllocCase>& info) {
  std::string s;
  for (const char* c = info.param.spec; *c != '\0'; ++c) {
    s += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Codecs, SteadyStateAllocations,
    ::testing::Values(AllocCase{"identity"}, AllocCase{"identity:precision=64"},
                      AllocCase{"randk:ratio=0.01"}, AllocCase{"randk:ratio=0.5"},
                      AllocCase{"randk_shared:ratio=0.01"}, AllocCase{"randk_shared:ratio=0.5"},
                      AllocCase{"topk:ratio=0.01"}, AllocCase{"topk:ratio=0.1"},
                      AllocCase{"topk:k=1"}, AllocCase{"int8"},
                      AllocCase{"int8:block=16,rounding=stochastic"}, AllocCase{"scaled_sign"},
                      AllocCase{"bernoulli:p=0.5", true}, AllocCase{"natural"},
                      AllocCase{"natural_dithering"}, AllocCase{"qsgd", true},
                      AllocCase{"qsgd:s=4,coding=fixed"}, AllocCase{"fp16"}, AllocCase{"bf16"}),
    case_name);

}  // namespace
}  // namespace dcopt

// randk_shared: the receiver regenerates the sender's support from the shared stream; only the
// values travel (ALGORITHMS.md §1.3 shared-seed trick, §1.15 items 4 and 7).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "compress/monte_carlo.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using testing_support::gaussian_vector;
using testing_support::header_bits;
using testing_support::monte_carlo;

TEST(RandKSharedCodec, BitsAreHeaderPlusValuesOnly) {
  for (std::size_t d : {1u, 7u, 1000u, 100000u}) {
    for (unsigned precision : {32u, 64u}) {
      auto c = make_compressor("randk_shared:ratio=0.01,precision=" + std::to_string(precision));
      const std::size_t k = static_cast<std::size_t>(c->properties(d).expected_density);
      const auto x = gaussian_vector(d, 1);
      Rng rng(2, Purpose::compressor);
      Message m = c->encode(x, rng);
      EXPECT_EQ(m.header_bits, header_bits(d));
      EXPECT_EQ(m.bits, header_bits(d) + precision * k) << "d=" << d;
      EXPECT_EQ(m.payload_bits(), precision * k);
    }
  }
}

TEST(RandKSharedCodec, ReceiverRegeneratesTheSendersSupport) {
  // randk draws its support with the same single call and sends it; decoding both messages from
  // the same stream must give the same Q(x), i.e. the regenerated support is the sent one.
  const std::size_t d = 5000;
  const auto x = gaussian_vector(d, 3);
  for (const char* level : {"k=1", "k=40", "ratio=0.3", "ratio=1"}) {
    auto shared = make_compressor(std::string("randk_shared:") + level);
    auto sent = make_compressor(std::string("randk:") + level);
    for (std::uint64_t round = 0; round < 4; ++round) {
      Rng r1(4, Purpose::compressor, 2, round), r2(4, Purpose::compressor, 2, round);
      std::vector<double> a(d), b(d);
      shared->decode(shared->encode(x, r1).bytes, a, Rng(4, Purpose::compressor, 2, round));
      sent->decode(sent->encode(x, r2).bytes, b, Rng(4, Purpose::compressor, 2, round));
      ASSERT_EQ(a, b) << level << " round " << round;
      const double k = shared->properties(d).expected_density;
      std::size_t nnz = 0;
      for (std::size_t j = 0; j < d; ++j) {
        if (a[j] == 0.0) continue;
        ++nnz;
        ASSERT_EQ(a[j], static_cast<double>(static_cast<float>(d / k * x[j])));
      }
      EXPECT_EQ(static_cast<double>(nnz), k) << level;
    }
  }
}

TEST(RandKSharedCodec, AReceiverWithAnotherStreamGetsAnotherSupport) {
  // The values carry no indices: decoding against the wrong stream silently scatters them
  // elsewhere, which is why the stream naming rule matters.
  auto c = make_compressor("randk_shared:k=20");
  const auto x = gaussian_vector(1000, 5);
  Rng rng(6, Purpose::compressor, 0, 0);
  Message m = c->encode(x, rng);
  std::vector<double> right(1000), wrong(1000);
  c->decode(m.bytes, right, Rng(6, Purpose::compressor, 0, 0));
  c->decode(m.bytes, wrong, Rng(6, Purpose::compressor, 0, 1));
  EXPECT_NE(right, wrong);
}

TEST(RandKSharedCodec, TwoWorkersInTheSameRoundDrawDifferentSupports) {
  auto c = make_compressor("randk_shared:k=10");
  const std::vector<double> ones(1000, 1.0);  // the output's support is visible directly
  for (std::uint64_t round = 0; round < 3; ++round) {
    std::vector<double> a(1000), b(1000);
    Rng r0(7, Purpose::compressor, 0, round), r1(7, Purpose::compressor, 1, round);
    c->decode(c->encode(ones, r0).bytes, a, Rng(7, Purpose::compressor, 0, round));
    c->decode(c->encode(ones, r1).bytes, b, Rng(7, Purpose::compressor, 1, round));
    EXPECT_NE(a, b) << "round " << round;
  }
}

TEST(RandKSharedCodec, WrongLengthLeavesTheAccumulatorUntouched) {
  auto c = make_compressor("randk_shared:k=3");
  const auto x = gaussian_vector(50, 8);
  Rng rng(9, Purpose::compressor);
  Message m = c->encode(x, rng);
  auto longer = m.bytes;
  longer.insert(longer.end(), {0, 0, 0, 0});  // one extra fp32 value
  auto shorter = m.bytes;
  shorter.pop_back();
  for (const auto& bad : {longer, shorter}) {
    std::vector<double> acc(50, 3.0);
    EXPECT_THROW(c->decode_add(bad, 1.0, acc, Rng(9, Purpose::compressor)), DecodeError);
    EXPECT_EQ(acc, std::vector<double>(50, 3.0));
  }
}

TEST(RandKSharedCodec, KLargerThanDAndBadSpecsAreRejected) {
  auto c = make_compressor("randk_shared:k=8");
  Rng rng(10, Purpose::compressor);
  const auto x = gaussian_vector(4, 9);
  try {
    c->encode(x, rng);
    FAIL();
  } catch (const InvalidArgument& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("k=8"), std::string::npos) << msg;
    EXPECT_NE(msg.find("d=4"), std::string::npos) << msg;
  }
  EXPECT_THROW(make_compressor("randk_shared:k=0"), InvalidArgument);
  EXPECT_THROW(make_compressor("randk_shared:ratio=2"), InvalidArgument);
  EXPECT_THROW(make_compressor("randk_shared:k=1,ratio=0.5"), InvalidArgument);
}

TEST(RandKSharedCodec, UnbiasedAndOmegaIsExact) {
  // Same operator and the same tolerances as RandKCodec.UnbiasedAndOmegaIsExact (see there).
  const int trials = 100000;
  for (std::size_t d : {7u, 100u}) {
    auto c = make_compressor("randk_shared:ratio=0.3");
    const auto x = gaussian_vector(d, 10);
    const double omega = c->properties(d).omega;
    auto mc = monte_carlo(*c, x, trials, 12);
    EXPECT_LT(mc.relative_bias, 5 * std::sqrt(omega / trials) + 1e-6) << "d=" << d;
    EXPECT_LT(mc.relative_error_se, 0.02 / 3 * omega) << "d=" << d;
    EXPECT_NEAR(mc.relative_error / omega, 1.0, 0.02) << "d=" << d;
  }
}

}  // namespace
}  // namespace dcopt

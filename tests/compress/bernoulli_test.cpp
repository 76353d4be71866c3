// bernoulli (lazy rand-p): the output is x/p or 0, the message is 1 flag bit or the whole
// vector, and the declared omega = 1/p - 1 holds (ALGORITHMS.md §1.5, §1.15).
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

TEST(BernoulliCodec, OutputIsXOverPOrZeroAndBitsMatch) {
  const std::size_t d = 200;
  const double p = 0.3;
  auto c = make_compressor("bernoulli:p=0.3");
  const auto x = gaussian_vector(d, 1);
  const int trials = 10000;
  int sent = 0;
  for (int t = 0; t < trials; ++t) {
    Rng rng(2, Purpose::compressor, 0, static_cast<std::uint64_t>(t));
    Message m = c->encode(x, rng);
    std::vector<double> out(d);
    c->decode(m.bytes, out, Rng(2, Purpose::compressor, 0, static_cast<std::uint64_t>(t)));
    if (out[0] == 0.0) {
      ASSERT_EQ(out, std::vector<double>(d, 0.0));
      ASSERT_EQ(m.bits, header_bits(d) + 1);
    } else {
      ++sent;
      for (std::size_t j = 0; j < d; ++j) {
        ASSERT_EQ(out[j], static_cast<double>(static_cast<float>(x[j] / p)));
      }
      ASSERT_EQ(m.bits, header_bits(d) + 1 + 32 * d);
    }
  }
  // Binomial(1e4, 0.3): standard deviation of the fraction is sqrt(0.21/1e4) = 0.0046; allow 5x.
  EXPECT_NEAR(static_cast<double>(sent) / trials, p, 5 * std::sqrt(p * (1 - p) / trials));
}

TEST(BernoulliCodec, POneIsTheIdentity) {
  auto c = make_compressor("bernoulli:p=1,precision=64");
  const auto x = gaussian_vector(33, 3);
  for (std::uint64_t t = 0; t < 20; ++t) {
    Rng rng(4, Purpose::compressor, 0, t);
    std::vector<double> out(33);
    c->decode(c->encode(x, rng).bytes, out, Rng(4, Purpose::compressor, 0, t));
    ASSERT_EQ(out, x);
  }
  EXPECT_EQ(c->properties(33).omega, 0.0);
  EXPECT_EQ(c->properties(33).delta, 1.0);
}

TEST(BernoulliCodec, UnbiasedAndOmegaIsExact) {
  // E||Q(x)-x||^2 = p(1/p-1)^2||x||^2 + (1-p)||x||^2 = (1/p-1)||x||^2 exactly. Tolerances as in
  // RandKCodec.UnbiasedAndOmegaIsExact: bias < 5 sqrt(omega/T) (+1e-6 fp32 rounding), omega within
  // 2%, which is > 3 standard errors (per-draw relative error is (1/p-1)^2 or 1; for p=0.3 its
  // std is 2.0, i.e. a standard error of 0.28% of omega at T=1e5).
  const int trials = 100000;
  for (std::size_t d : {1u, 7u, 100u}) {
    auto c = make_compressor("bernoulli:p=0.3");
    const auto x = gaussian_vector(d, 5);
    const double omega = c->properties(d).omega;
    EXPECT_DOUBLE_EQ(omega, 1 / 0.3 - 1);
    EXPECT_DOUBLE_EQ(c->properties(d).expected_density, 0.3 * static_cast<double>(d));
    auto mc = monte_carlo(*c, x, trials, 6);
    EXPECT_LT(mc.relative_bias, 5 * std::sqrt(omega / trials) + 1e-6) << "d=" << d;
    EXPECT_LT(mc.relative_error_se, 0.02 / 3 * omega);
    EXPECT_NEAR(mc.relative_error / omega, 1.0, 0.02) << "d=" << d;
  }
}

TEST(BernoulliCodec, BadSpecsNameTheKeyAndTheValidRange) {
  for (const char* spec :
       {"bernoulli:p=0", "bernoulli:p=-0.5", "bernoulli:p=1.01", "bernoulli", "bernoulli:p=nan"}) {
    try {
      make_compressor(spec);
      ADD_FAILURE() << spec << " must be rejected";
    } catch (const InvalidArgument& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("p="), std::string::npos) << msg;
      if (std::string(spec) != "bernoulli:p=nan") {
        EXPECT_NE(msg.find("0 < p <= 1"), std::string::npos) << msg;
      }
    }
  }
}

TEST(BernoulliCodec, FlagAndLengthAreValidated) {
  auto c = make_compressor("bernoulli:p=0.5");
  const auto x = gaussian_vector(10, 7);
  // Find one message of each kind.
  Message skipped, sent;
  for (std::uint64_t t = 0; skipped.bytes.empty() || sent.bytes.empty(); ++t) {
    Rng rng(8, Purpose::compressor, 0, t);
    Message m = c->encode(x, rng);
    (m.bits > header_bits(10) + 1 ? sent : skipped) = m;
  }
  // A "sent" flag without values, and a "skipped" flag followed by values, are both malformed.
  auto flag_only = skipped.bytes;
  flag_only.back() |= 1;  // the flag is the first bit after the byte-aligned header
  auto values_unflagged = sent.bytes;
  values_unflagged[2] &= 0xFE;
  for (const auto& bad : {flag_only, values_unflagged}) {
    std::vector<double> acc(10, 5.0);
    EXPECT_THROW(c->decode_add(bad, 1.0, acc, Rng(8, Purpose::compressor)), DecodeError);
    EXPECT_EQ(acc, std::vector<double>(10, 5.0));
  }
}

}  // namespace
}  // namespace dcopt

// natural_dithering: levels, unbiasedness, bit counts, spec validation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "dcopt/core/error.hpp"
#include "quant_test_support.hpp"

namespace dcopt {
namespace {

using namespace quant_test;

// The norm as sent: the first 32 bits after the 3-byte header (d >= 128 uses a 2-byte varint).
double sent_norm32(const Message& m, std::size_t header_bytes) {
  float f;
  std::memcpy(&f, m.bytes.data() + header_bytes, 4);
  return static_cast<double>(f);
}

TEST(NaturalDithering, OutputsLieOnNormTimesLevels) {
  for (const char* spec : {"natural_dithering:p=2,s=8", "natural_dithering:p=inf,s=3"}) {
    auto c = make_compressor(spec);
    const bool inf = std::string(spec).find("inf") != std::string::npos;
    const unsigned s = inf ? 3 : 8;
    auto x = gaussian(200, 4);
    x[0] = 0.0;
    double norm = inf ? 0.0 : std::sqrt(vec::norm2_sq(x));
    if (inf) {
      for (double v : x) norm = std::max(norm, std::fabs(v));
    }
    for (int draw = 0; draw < 5; ++draw) {
      Message m;
      auto out = round_trip(*c, x, draw, &m);
      const double sent = sent_norm32(m, 3);
      EXPECT_GE(sent, norm);  // rounded up
      EXPECT_LE(sent, norm * (1 + 0x1p-23));
      EXPECT_EQ(out[0], 0.0);
      for (std::size_t j = 0; j < x.size(); ++j) {
        if (out[j] == 0.0) continue;
        EXPECT_EQ(std::signbit(out[j]), std::signbit(x[j]));
        double level = std::fabs(out[j]) / sent;
        int e;
        EXPECT_EQ(std::frexp(level, &e), 0.5) << spec << ": " << level;
        EXPECT_LE(level, 1.0);
        EXPECT_GE(level, std::ldexp(1.0, 1 - static_cast<int>(s)));
      }
    }
  }
}

TEST(NaturalDithering, UnbiasedAtSeveralDimensions) {
  const int trials = 100000;
  for (const char* spec : {"natural_dithering", "natural_dithering:p=inf,s=2,precision=64"}) {
    auto c = make_compressor(spec);
    for (std::size_t d : {1u, 7u, 100u}) {
      auto x = gaussian(d, 5);
      const double omega = c->properties(d).omega;
      MonteCarlo mc = monte_carlo(*c, x, trials);
      EXPECT_LT(mc.rel_bias, bias_tolerance(omega, trials)) << spec << " d=" << d;
      // §1.15: variance within 2% of the declared omega (plus the fp32 norm rounding floor).
      EXPECT_LE(mc.rel_err, 1.02 * omega + 1e-6) << spec << " d=" << d;
    }
  }
}

TEST(NaturalDithering, OmegaFollowsTheFormula) {
  auto c = make_compressor("natural_dithering:p=2,s=4");
  // 1/8 + sqrt(d) 2^(1-s) min(1, sqrt(d) 2^(1-s)); d = 16: t = 4/8 = 0.5 -> 1/8 + 0.25
  EXPECT_DOUBLE_EQ(c->properties(16).omega, 0.125 + 0.25);
  // d = 256: t = 2 -> 1/8 + 2
  EXPECT_DOUBLE_EQ(c->properties(256).omega, 0.125 + 2.0);
}

TEST(NaturalDithering, ExactBitCounts) {
  // s = 8: 1 + ceil(log2 9) = 5 bits per entry; s = 3: 1 + 2; s = 1: 1 + 1.
  struct Case {
    const char* spec;
    unsigned per_entry, norm_bits;
  };
  for (Case k : {Case{"natural_dithering", 5, 32}, Case{"natural_dithering:s=3", 3, 32},
                 Case{"natural_dithering:s=1,precision=64", 2, 64},
                 Case{"natural_dithering:s=15", 5, 32}, Case{"natural_dithering:s=16", 6, 32}}) {
    auto c = make_compressor(k.spec);
    for (std::size_t d : {1u, 100u, 1000u}) {
      Message m;
      round_trip(*c, gaussian(d, 6), 0, &m);
      EXPECT_EQ(m.bits, header_bits(d) + k.norm_bits + k.per_entry * d) << k.spec;
    }
  }
}

TEST(NaturalDithering, BadSpecsNameKeyAndRange) {
  auto expect_msg = [](const char* spec, const char* key, const char* valid) {
    try {
      make_compressor(spec);
      FAIL() << spec;
    } catch (const InvalidArgument& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(key), std::string::npos) << msg;
      EXPECT_NE(msg.find(valid), std::string::npos) << msg;
    }
  };
  expect_msg("natural_dithering:p=3", "p=3", "2 or inf");
  expect_msg("natural_dithering:s=0", "s=0", "[1, 64]");
  expect_msg("natural_dithering:s=65", "s=65", "[1, 64]");
}

TEST(NaturalDithering, NegativeOrNanNormIsRejected) {
  auto c = make_compressor("natural_dithering");
  Rng rng(1, Purpose::test);
  Message m = c->encode(gaussian(5, 7), rng);
  for (float bad_norm : {-1.0f, NAN, INFINITY}) {
    auto bad = m.bytes;
    std::memcpy(bad.data() + 2, &bad_norm, 4);
    std::vector<double> out(5, 0.0);
    EXPECT_THROW(c->decode(bad, out, Rng(1, Purpose::test)), DecodeError);
    for (double v : out) EXPECT_EQ(v, 0.0);
  }
}

}  // namespace
}  // namespace dcopt

// qsgd: levels, unbiasedness, density, exact bit counts for both codings, spec validation and
// malformed Elias streams.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>

#include "dcopt/core/bit_io.hpp"
#include "dcopt/core/bit_pack.hpp"
#include "dcopt/core/error.hpp"
#include "quant_test_support.hpp"

namespace dcopt {
namespace {

using namespace quant_test;

double sent_norm32(const Message& m, std::size_t header_bytes) {
  float f;
  std::memcpy(&f, m.bytes.data() + header_bytes, 4);
  return static_cast<double>(f);
}

TEST(Qsgd, OutputsLieOnNormTimesUniformLevels) {
  for (const char* spec : {"qsgd:s=4", "qsgd:s=4,coding=fixed", "qsgd:s=1"}) {
    auto c = make_compressor(spec);
    const double s = std::string(spec).find("s=1") != std::string::npos ? 1 : 4;
    auto x = gaussian(300, 8);
    const double norm = std::sqrt(vec::norm2_sq(x));
    for (int draw = 0; draw < 5; ++draw) {
      Message m;
      auto out = round_trip(*c, x, draw, &m);
      const double sent = sent_norm32(m, 3);
      EXPECT_GE(sent, norm);
      for (std::size_t j = 0; j < x.size(); ++j) {
        double l = std::fabs(out[j]) / sent * s;
        EXPECT_NEAR(l, std::round(l), 1e-9) << spec;
        EXPECT_LE(std::round(l), s);
        // the two neighbouring levels of s|x_j|/norm
        EXPECT_LE(std::fabs(std::round(l) - s * std::fabs(x[j]) / sent), 1.0);
        if (out[j] != 0.0) {
          EXPECT_EQ(std::signbit(out[j]), std::signbit(x[j]));
        }
      }
    }
  }
}

// Found by fuzz/codec_decode_fuzz.cpp (UBSan: NaN cast to an integer level): at fp64 a norm
// below s * 2^-1024 made s / norm infinite and 0 * inf a NaN level. Such a vector must encode
// like any other: zeros stay zero, the rest on the norm's levels with their signs.
TEST(Qsgd, ASubnormalNormEncodesLikeAnyOther) {
  for (const char* spec : {"qsgd:s=256,precision=64", "qsgd:s=4,coding=fixed,precision=64"}) {
    auto c = make_compressor(spec);
    const std::vector<double> x = {1e-310, 0.0, -3e-310, 0.0};
    for (int draw = 0; draw < 20; ++draw) {
      Rng rng(static_cast<std::uint64_t>(draw), Purpose::test);
      const Message m = c->encode(x, rng);
      std::vector<double> out(x.size(), 1.0);
      c->decode(m.bytes, out, Rng(0, Purpose::test));
      EXPECT_EQ(out[1], 0.0) << spec;
      EXPECT_EQ(out[3], 0.0) << spec;
      EXPECT_GE(out[0], 0.0) << spec;
      EXPECT_LE(out[2], 0.0) << spec;
      EXPECT_NE(out[2], 0.0) << spec;  // the largest entry has level >= 1 (|x_j| > norm / s)
      for (double v : out) EXPECT_LE(std::fabs(v), 4e-310) << spec;
    }
  }
}

TEST(Qsgd, UnbiasedAtSeveralDimensions) {
  const int trials = 100000;
  for (const char* spec : {"qsgd:s=2", "qsgd:s=16,coding=fixed", "qsgd:s=3,precision=64"}) {
    auto c = make_compressor(spec);
    for (std::size_t d : {1u, 7u, 100u}) {
      auto x = gaussian(d, 9);
      const double omega = c->properties(d).omega;
      MonteCarlo mc = monte_carlo(*c, x, trials);
      EXPECT_LT(mc.rel_bias, bias_tolerance(omega, trials)) << spec << " d=" << d;
      EXPECT_LE(mc.rel_err, 1.02 * omega + 1e-6) << spec << " d=" << d;
    }
  }
}

TEST(Qsgd, DeclaredConstants) {
  auto c = make_compressor("qsgd:s=4");
  EXPECT_DOUBLE_EQ(c->properties(100).omega, std::min(100.0 / 16, 10.0 / 4));
  EXPECT_DOUBLE_EQ(c->properties(100).expected_density, 4.0 * (4 + 10));
  EXPECT_DOUBLE_EQ(c->properties(10).expected_density, 10.0);  // capped at d
}

// Bits the Elias coding must take for the decoded output: varint(nnz) + per non-zero
// gamma(gap) + 1 + gamma(level).
std::uint64_t elias_payload_bits(const std::vector<double>& out, double unit) {
  std::uint64_t bits = 0, nnz = 0, last = 0;
  for (std::size_t j = 0; j < out.size(); ++j) {
    if (out[j] == 0.0) continue;
    auto level = static_cast<std::uint64_t>(std::llround(std::fabs(out[j]) / unit));
    bits += BitPacker::gamma_bits(j + 1 - last) + 1 + BitPacker::gamma_bits(level);
    last = j + 1;
    ++nnz;
  }
  std::uint64_t groups = 1;
  for (std::uint64_t v = nnz >> 7; v != 0; v >>= 7) ++groups;
  return bits + 8 * groups;
}

TEST(Qsgd, ExactBitCounts) {
  for (std::size_t d : {1u, 7u, 100u, 1000u}) {
    auto x = gaussian(d, 10);
    const std::size_t hb = header_bits(d);
    Message m;
    auto out = round_trip(*make_compressor("qsgd:s=16,coding=fixed"), x, 0, &m);
    EXPECT_EQ(m.bits, hb + 32 + d * (1 + 5));  // ceil(log2 17) = 5
    round_trip(*make_compressor("qsgd:s=3,coding=fixed,precision=64"), x, 0, &m);
    EXPECT_EQ(m.bits, hb + 64 + d * (1 + 2));
    out = round_trip(*make_compressor("qsgd:s=16"), x, 0, &m);
    const double unit = sent_norm32(m, hb / 8) / 16;
    EXPECT_EQ(m.bits, hb + 32 + elias_payload_bits(out, unit)) << "d=" << d;
  }
}

TEST(Qsgd, AverageDensityWithinBound) {
  auto c = make_compressor("qsgd:s=2");
  const std::size_t d = 1000;
  auto x = gaussian(d, 11);
  double nnz = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    for (double v : round_trip(*c, x, t)) nnz += (v != 0.0);
  }
  EXPECT_LE(nnz / trials, c->properties(d).expected_density);
}

TEST(Qsgd, BadSpecsNameKeyAndRange) {
  for (const char* spec : {"qsgd:s=0", "qsgd:s=16777217"}) {
    try {
      make_compressor(spec);
      FAIL() << spec;
    } catch (const InvalidArgument& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("s="), std::string::npos) << msg;
      EXPECT_NE(msg.find("[1, 16777216]"), std::string::npos) << msg;
    }
  }
  EXPECT_THROW(make_compressor("qsgd:coding=huffman"), InvalidArgument);
}

// Hand-built Elias message for d = 4: header, norm, nnz, then the given entries.
std::vector<std::uint8_t> elias_message(std::size_t d, float norm, std::uint64_t nnz,
                                        const std::vector<std::array<std::uint64_t, 3>>& e) {
  BitWriter w;
  w.write(8, 8);  // CodecId::qsgd
  w.write_varint(d);
  w.write_f32(norm);
  w.write_varint(nnz);
  BitPacker pk;
  for (auto [gap, sign, level] : e) {
    pk.put_gamma(gap);
    pk.put(sign, 1);
    pk.put_gamma(level);
  }
  std::size_t nbits = pk.bits();
  w.write_words(pk.finish(), nbits);
  return w.take();
}

TEST(Qsgd, MalformedEliasStreamsAreRejectedAndLeaveAccUnchanged) {
  auto c = make_compressor("qsgd:s=4");
  auto decode = [&](const std::vector<std::uint8_t>& bytes) {
    std::vector<double> acc(4, 1.0);
    EXPECT_THROW(c->decode_add(bytes, 1.0, acc, Rng(1, Purpose::test)), DecodeError);
    for (double v : acc) EXPECT_EQ(v, 1.0);
  };
  // sanity: a well-formed one decodes
  std::vector<double> out(4);
  c->decode(elias_message(4, 2.0f, 2, {{{2, 0, 1}}, {{2, 1, 4}}}), out, Rng(1, Purpose::test));
  EXPECT_EQ(out, (std::vector<double>{0.0, 0.5, 0.0, -2.0}));
  decode(elias_message(4, 2.0f, 2, {{{2, 0, 1}}, {{3, 1, 4}}}));  // position 4 >= d
  decode(elias_message(4, 2.0f, 1, {{{1, 0, 5}}}));               // level 5 > s
  decode(elias_message(4, 2.0f, 5, {{{1, 0, 1}}}));               // nnz > d
  decode(elias_message(4, 2.0f, 2, {{{1, 0, 1}}}));               // fewer entries than nnz
  decode(elias_message(4, -2.0f, 1, {{{1, 0, 1}}}));              // negative norm
  decode(elias_message(4, NAN, 1, {{{1, 0, 1}}}));                // NaN norm
  // trailing entries beyond nnz
  decode(elias_message(4, 2.0f, 1, {{{1, 0, 1}}, {{1, 0, 1}}, {{1, 0, 1}}}));
}

}  // namespace
}  // namespace dcopt

// fp16: known conversions (incl. ties to even, subnormals, the top of the range), idempotence,
// relative error bound, bit counts, range errors, rejection of inf/NaN on the wire.
#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/compress/narrow_float.hpp"
#include "dcopt/core/error.hpp"
#include "quant_test_support.hpp"

namespace dcopt {
namespace {

using namespace quant_test;

TEST(Fp16, KnownConversions) {
  struct Case {
    double in;
    std::uint16_t bits;
  };
  for (Case k :
       {Case{0.0, 0x0000}, Case{-0.0, 0x8000}, Case{1.0, 0x3C00}, Case{-2.0, 0xC000},
        Case{0.1, 0x2E66}, Case{65504.0, 0x7BFF}, Case{65519.99, 0x7BFF}, Case{0x1p-14, 0x0400},
        Case{0x1p-24, 0x0001}, Case{0x1.ffcp-15, 0x0400}, Case{0x1.ff8p-15, 0x03FF},
        // ties to even: 1 + 2^-11 is halfway between 1 (even) and 1 + 2^-10
        Case{1.0 + 0x1p-11, 0x3C00}, Case{1.0 + 3 * 0x1p-11, 0x3C02},
        Case{1.0 + 0x1p-11 + 0x1p-40, 0x3C01},  // just above the tie
        // subnormal ties: 2^-25 between 0 and 2^-24 -> 0; 3 2^-25 -> 2^-23
        Case{0x1p-25, 0x0000}, Case{3 * 0x1p-25, 0x0002}, Case{0x1.8p-25, 0x0001},
        Case{2047.5, 0x6800}, Case{2047.0, 0x67FF}, Case{2049.0, 0x6800}}) {
    EXPECT_EQ(Fp16Format::from_double(k.in), k.bits) << k.in;
    if (std::fabs(k.in) == 0x1p-14 || k.in == 1.0 || k.in == 65504.0) {
      EXPECT_EQ(Fp16Format::to_double(k.bits), k.in);
    }
  }
  EXPECT_EQ(Fp16Format::to_double(0x0001), 0x1p-24);
  EXPECT_EQ(Fp16Format::to_double(0x3555), 0x1.554p-2);
  EXPECT_EQ(Fp16Format::to_double(0xFBFF), -65504.0);
}

TEST(Fp16, AllFiniteHalvesRoundTripExactly) {
  for (unsigned h = 0; h < 0x10000; ++h) {
    auto b = static_cast<std::uint16_t>(h);
    if (!Fp16Format::is_finite(b)) continue;
    ASSERT_EQ(Fp16Format::from_double(Fp16Format::to_double(b)), b) << std::hex << h;
  }
}

TEST(Fp16, CodecIsIdempotentAndWithinTheRelativeBound) {
  auto c = make_compressor("fp16");
  auto x = gaussian(1000, 19);
  Message m;
  auto once = round_trip(*c, x, 0, &m);
  EXPECT_EQ(round_trip(*c, once, 0), once);
  EXPECT_EQ(m.bits, header_bits(1000) + 16 * 1000);
  for (std::size_t j = 0; j < x.size(); ++j) {
    if (std::fabs(x[j]) >= 0x1p-14) {
      EXPECT_LE(std::fabs(once[j] - x[j]), 0x1p-11 * std::fabs(x[j]));
    }
  }
  EXPECT_LE(vec::dist2_sq(once, x), (1 - 1 / c->properties(1000).delta) * vec::norm2_sq(x));
}

TEST(Fp16, OutOfRangeInputIsAnEncodeErrorNamingTheEntry) {
  auto c = make_compressor("fp16");
  Rng rng(1, Purpose::test);
  try {
    c->encode(std::vector<double>{1.0, 2.0, 3.0, 65520.0}, rng);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("entry 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("65520"), std::string::npos) << e.what();
  }
  EXPECT_THROW(c->encode(std::vector<double>{-1e6}, rng), InvalidArgument);
  EXPECT_THROW(c->encode(std::vector<double>{NAN}, rng), InvalidArgument);
  EXPECT_NO_THROW(c->encode(std::vector<double>{-65519.0}, rng));
}

TEST(Fp16, InfinityOrNanOnTheWireIsRejected) {
  auto c = make_compressor("fp16");
  Rng rng(1, Purpose::test);
  Message m = c->encode(std::vector<double>{1.0, 2.0}, rng);
  auto bad = m.bytes;
  bad[4] = 0x00;
  bad[5] = 0x7C;  // +inf in the second value
  std::vector<double> out(2, 0.0);
  EXPECT_THROW(c->decode(bad, out, Rng(1, Purpose::test)), DecodeError);
  EXPECT_EQ(out, (std::vector<double>{0.0, 0.0}));
}

}  // namespace
}  // namespace dcopt

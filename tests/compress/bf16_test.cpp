// bf16: known conversions (incl. ties, no double rounding through float, subnormals, range),
// idempotence, relative error bound, bit counts, range errors.
#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/compress/narrow_float.hpp"
#include "dcopt/core/error.hpp"
#include "quant_test_support.hpp"

namespace dcopt {
namespace {

using namespace quant_test;

TEST(Bf16, KnownConversions) {
  struct Case {
    double in;
    std::uint16_t bits;
  };
  for (Case k : {Case{1.0, 0x3F80}, Case{-1.0, 0xBF80}, Case{3.14159265358979, 0x4049},
                 Case{0.0, 0x0000}, Case{0x1p-126, 0x0080}, Case{0x1p-133, 0x0001},
                 Case{0x1p-134, 0x0000},                // subnormal tie to even (0)
                 Case{1.0 + 0x1p-8, 0x3F80},            // tie to even
                 Case{1.0 + 3 * 0x1p-8, 0x3F82},        // tie to even (upwards)
                 Case{1.0 + 0x1p-8 + 0x1p-40, 0x3F81},  // via float this would round twice to 1
                 Case{0x1.fep127, 0x7F7F}, Case{0x1.fefffffp127, 0x7F7F}}) {
    EXPECT_EQ(Bf16Format::from_double(k.in), k.bits) << k.in;
  }
  EXPECT_EQ(Bf16Format::to_double(0x4049), 3.140625);
  EXPECT_EQ(Bf16Format::to_double(0x0001), 0x1p-133);
  EXPECT_FALSE(Bf16Format::in_range(0x1.ffp127));  // (2 - 2^-8) 2^127 rounds to infinity
}

TEST(Bf16, AllFiniteValuesRoundTripExactly) {
  for (unsigned h = 0; h < 0x10000; ++h) {
    auto b = static_cast<std::uint16_t>(h);
    if (!Bf16Format::is_finite(b)) continue;
    ASSERT_EQ(Bf16Format::from_double(Bf16Format::to_double(b)), b) << std::hex << h;
  }
}

TEST(Bf16, CodecIsIdempotentAndWithinTheRelativeBound) {
  auto c = make_compressor("bf16");
  auto x = gaussian(1000, 20);
  Message m;
  auto once = round_trip(*c, x, 0, &m);
  EXPECT_EQ(round_trip(*c, once, 0), once);
  EXPECT_EQ(m.bits, header_bits(1000) + 16 * 1000);
  for (std::size_t j = 0; j < x.size(); ++j) {
    EXPECT_LE(std::fabs(once[j] - x[j]), 0x1p-8 * std::fabs(x[j]));
  }
  EXPECT_LE(vec::dist2_sq(once, x), (1 - 1 / c->properties(1000).delta) * vec::norm2_sq(x));
}

TEST(Bf16, OutOfRangeInputIsAnEncodeErrorNamingTheEntry) {
  auto c = make_compressor("bf16");
  Rng rng(1, Purpose::test);
  try {
    c->encode(std::vector<double>{1.0, -1e39}, rng);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("entry 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(c->encode(std::vector<double>{INFINITY}, rng), InvalidArgument);
  EXPECT_NO_THROW(c->encode(std::vector<double>{3.38e38}, rng));
}

}  // namespace
}  // namespace dcopt

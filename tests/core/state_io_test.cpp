// State I/O, the layer under checkpoints: every field type round-trips exactly (empty vectors
// included), and a reader given other fields, types, sizes or truncated bytes fails with a
// DataError naming the field, never reading past the end.
#include "dcopt/core/state_io.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

std::vector<std::uint8_t> sample_state() {
  StateWriter w;
  w.u64("round", 123456789012345ull);
  w.f64("gamma", -0.0);
  w.boolean("flag", true);
  const std::vector<double> x{1.0, -2.5, std::numeric_limits<double>::denorm_min()};
  w.f64s("x", x);
  w.f64s("empty", std::vector<double>{});
  const std::vector<float> g{0.1f, std::numeric_limits<float>::infinity()};
  w.f32s("g", g);
  w.f32s("empty32", std::vector<float>{});
  const std::vector<std::uint32_t> idx{7, 0, 42};
  w.u32s("idx", idx);
  w.text("label", "marina randk:k=2");
  return w.take();
}

TEST(StateIo, EveryFieldRoundTripsExactlyIncludingEmptyVectors) {
  const std::vector<std::uint8_t> bytes = sample_state();
  StateReader r(bytes, "test");
  EXPECT_EQ(r.u64("round"), 123456789012345ull);
  const double z = r.f64("gamma");
  EXPECT_EQ(z, 0.0);
  EXPECT_TRUE(std::signbit(z));
  EXPECT_TRUE(r.boolean("flag"));
  std::vector<double> x(3);
  r.f64s("x", x);
  EXPECT_EQ(x, (std::vector<double>{1.0, -2.5, std::numeric_limits<double>::denorm_min()}));
  std::vector<double> empty;
  r.f64s("empty", empty);
  std::vector<float> g(2);
  r.f32s("g", g);
  EXPECT_EQ(g[0], 0.1f);
  EXPECT_TRUE(std::isinf(g[1]));
  std::vector<float> empty32;
  r.f32s("empty32", empty32);
  std::vector<std::uint32_t> idx;
  r.u32s("idx", idx, 10);
  EXPECT_EQ(idx, (std::vector<std::uint32_t>{7, 0, 42}));
  EXPECT_EQ(r.text("label"), "marina randk:k=2");
  r.expect_end();
}

TEST(StateIo, OtherNamesTypesAndSizesAreDataErrorsNamingTheField) {
  const std::vector<std::uint8_t> bytes = sample_state();
  auto message = [&](auto&& read) {
    StateReader r(bytes, "ckpt.bin");
    try {
      read(r);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([](StateReader& r) { r.u64("rounds"); }).find("found field 'round'"),
            std::string::npos);
  EXPECT_NE(message([](StateReader& r) { r.f64("round"); }).find("stored as integer"),
            std::string::npos);
  EXPECT_NE(message([](StateReader& r) {
              r.u64("round");
              r.f64("gamma");
              r.boolean("flag");
              std::vector<double> x(4);
              r.f64s("x", x);
            }).find("holds 3 values, expected 4"),
            std::string::npos);
  EXPECT_NE(message([](StateReader& r) {
              r.u64("round");
              r.f64("gamma");
              r.boolean("flag");
              std::vector<float> x(3);
              r.f32s("x", x);
            }).find("stored as fp64 vector, expected fp32 vector"),
            std::string::npos);
  EXPECT_NE(message([](StateReader& r) { r.u64("round"); }).find("no error"), std::string::npos);
  EXPECT_NE(message([](StateReader& r) {
              r.u64("round");
              r.expect_end();
            }).find("unexpected bytes"),
            std::string::npos);
}

TEST(StateIo, EveryTruncationIsADataError) {
  const std::vector<std::uint8_t> bytes = sample_state();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    StateReader r(cut, "cut");
    bool failed = false;
    try {
      r.u64("round");
      r.f64("gamma");
      r.boolean("flag");
      std::vector<double> x(3), e;
      r.f64s("x", x);
      r.f64s("empty", e);
      std::vector<float> g(2), e32;
      r.f32s("g", g);
      r.f32s("empty32", e32);
      std::vector<std::uint32_t> idx;
      r.u32s("idx", idx, 10);
      r.text("label");
      r.expect_end();
    } catch (const DataError&) {
      failed = true;
    }
    EXPECT_TRUE(failed) << "a state cut to " << n << " of " << bytes.size() << " bytes was read";
  }
}

}  // namespace
}  // namespace dcopt

namespace dcopt {
namespace {

// Found by fuzz_state_reader: a length spelled with a redundant zero byte (0x81 0x00 for 1) was
// accepted, so a state read to the end did not re-encode to its bytes.
TEST(StateIo, ANonCanonicalLengthIsADataError) {
  StateWriter w;
  w.u64("a", 5);
  std::vector<std::uint8_t> bytes = w.bytes();
  ASSERT_EQ(bytes.at(0), 0x01);  // the name's length, one byte
  bytes[0] = 0x81;
  bytes.insert(bytes.begin() + 1, 0x00);
  StateReader r(bytes, "test state");
  try {
    r.u64("a");
    FAIL() << "a non-canonical length was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("non-canonical"), std::string::npos) << e.what();
  }
  StateReader ok(w.bytes(), "test state");
  EXPECT_EQ(ok.u64("a"), 5u);
}

}  // namespace
}  // namespace dcopt

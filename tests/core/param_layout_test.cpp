#include "dcopt/core/param_layout.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/state_io.hpp"

namespace dcopt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// A small network: a 2x3 weight, its bias, a conv kernel and a scalar temperature.
ParamLayout small_net() {
  return ParamLayout::packed(
      {{"fc.weight", {2, 3}}, {"fc.bias", {3}}, {"conv.weight", {4, 3, 2, 2}}, {"temp", {}}});
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(no InvalidArgument)";
}

TEST(ParamLayout, PackedTensorsAreContiguousInOrder) {
  const ParamLayout l = small_net();
  ASSERT_EQ(l.num_tensors(), 4u);
  EXPECT_EQ(l.size(), 6u + 3u + 48u + 1u);
  EXPECT_TRUE(l.covers_buffer());
  EXPECT_EQ(l[0].offset, 0u);
  EXPECT_EQ(l[1].offset, 6u);
  EXPECT_EQ(l[2].offset, 9u);
  EXPECT_EQ(l[3].offset, 57u);
  EXPECT_EQ(l[2].numel(), 48u);
  EXPECT_EQ(l[3].numel(), 1u);  // a scalar
  EXPECT_EQ(l[3].rank(), 0u);
  EXPECT_EQ(l[2].end(), 57u);
  EXPECT_EQ(l[2].shape_text(), "[4, 3, 2, 2]");
  EXPECT_EQ(l[3].shape_text(), "[]");
}

TEST(ParamLayout, MatrixLikeFollowsThePowerSgdConvention) {
  const ParamLayout l = small_net();
  EXPECT_TRUE(l[0].is_matrix_like());
  EXPECT_EQ(l[0].rows(), 2u);
  EXPECT_EQ(l[0].cols(), 3u);
  // A conv kernel [out, in, kh, kw] is out x (in*kh*kw).
  EXPECT_TRUE(l[2].is_matrix_like());
  EXPECT_EQ(l[2].rows(), 4u);
  EXPECT_EQ(l[2].cols(), 12u);
  // Rank <= 1 is not matrix-like: a column vector.
  EXPECT_FALSE(l[1].is_matrix_like());
  EXPECT_EQ(l[1].rows(), 3u);
  EXPECT_EQ(l[1].cols(), 1u);
  EXPECT_FALSE(l[3].is_matrix_like());
}

TEST(ParamLayout, ValidationErrorsNameTheTensor) {
  EXPECT_THAT(error_of([] {
                ParamLayout::packed({{"a", {2}}, {"", {3}}});
              }),
              HasSubstr("tensor 1 has an empty name"));
  EXPECT_THAT(error_of([] {
                ParamLayout::packed({{"a", {2}}, {"b", {3}}, {"a", {1}}});
              }),
              AllOf(HasSubstr("tensor 2"), HasSubstr("'a' is already used by tensor 0")));
  EXPECT_THAT(error_of([] {
                ParamLayout::packed({{"fc weight", {2}}});
              }),
              AllOf(HasSubstr("'fc weight'"), HasSubstr("whitespace")));
  EXPECT_THAT(error_of([] {
                ParamLayout::packed({{"w", {2, 0, 3}}});
              }),
              AllOf(HasSubstr("'w' [2, 0, 3]"), HasSubstr("zero dimension")));
  const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
  EXPECT_THAT(error_of([&] {
                ParamLayout::packed({{"big", {huge, 4}}});
              }),
              AllOf(HasSubstr("'big'"), HasSubstr("overflows")));
  EXPECT_THAT(error_of([&] {
                ParamLayout({{"a", 0, {2}}, {"far", huge * 2, {4}}});
              }),
              AllOf(HasSubstr("'far'"), HasSubstr("overflows")));
  // Overlaps name both tensors and their ranges, whatever the listing order.
  const std::string overlap = error_of([] {
    ParamLayout({{"b", 4, {4}}, {"a", 0, {5}}, {"c", 8, {1}}});
  });
  EXPECT_THAT(overlap, AllOf(HasSubstr("'b' [4] at offset 4 (entries [4, 8)) overlaps tensor "
                                       "'a' [5] at offset 0 (entries [0, 5))")));
  EXPECT_THAT(error_of([] {
                ParamLayout({{"a", 0, {3}}, {"b", 3, {3}}}, 5);
              }),
              AllOf(HasSubstr("'b'"), HasSubstr("[3, 6)"), HasSubstr("5 entries")));
}

TEST(ParamLayout, ListingOrderIsFreeAndGapsAreReported) {
  // Listed out of offset order, with a gap [3, 5) and a trailing gap up to the buffer size.
  const ParamLayout l({{"late", 5, {2}}, {"early", 0, {3}}}, 10);
  EXPECT_EQ(l.size(), 10u);
  EXPECT_EQ(l[0].name, "late");  // the list order is kept
  EXPECT_FALSE(l.covers_buffer());
  ASSERT_TRUE(l.first_gap().has_value());
  EXPECT_EQ(*l.first_gap(), (std::pair<std::size_t, std::size_t>{3, 5}));
  // Only a trailing gap.
  const ParamLayout t({{"a", 0, {3}}}, 4);
  ASSERT_TRUE(t.first_gap().has_value());
  EXPECT_EQ(*t.first_gap(), (std::pair<std::size_t, std::size_t>{3, 4}));
  // A gap at the start.
  const ParamLayout s({{"a", 2, {3}}});
  EXPECT_EQ(s.size(), 5u);
  EXPECT_EQ(*s.first_gap(), (std::pair<std::size_t, std::size_t>{0, 2}));
  EXPECT_TRUE(ParamLayout().covers_buffer());
  EXPECT_EQ(ParamLayout().size(), 0u);
}

TEST(ParamLayout, LookupByName) {
  const ParamLayout l = small_net();
  EXPECT_EQ(l.find("conv.weight"), std::optional<std::size_t>(2));
  EXPECT_EQ(l.find("conv.bias"), std::nullopt);
  EXPECT_EQ(l.index_of("fc.bias"), 1u);
  EXPECT_EQ(l.at("temp").offset, 57u);
  EXPECT_THAT(error_of([&] { l.index_of("conv.bias"); }),
              AllOf(HasSubstr("no tensor named 'conv.bias'"), HasSubstr("4 tensors")));
}

template <class T>
void check_views() {
  const ParamLayout l = small_net();
  std::vector<T> buf(l.size());
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<T>(i);
  const std::span<T> b(buf);
  const std::span<T> bias = l.view(b, "fc.bias");
  ASSERT_EQ(bias.size(), 3u);
  EXPECT_EQ(bias[0], T(6));
  EXPECT_EQ(bias[2], T(8));
  EXPECT_EQ(bias.data(), buf.data() + 6);
  bias[1] = T(-1);  // writes through to the flat buffer
  EXPECT_EQ(buf[7], T(-1));
  const std::span<const T> temp = l.view(std::span<const T>(buf), 3);
  ASSERT_EQ(temp.size(), 1u);
  EXPECT_EQ(temp[0], T(57));
  std::vector<T> wrong(l.size() - 1);
  EXPECT_THROW(l.view(std::span<T>(wrong), 0), std::invalid_argument);
}

TEST(ParamLayout, ViewsAreTheTensorsSlicesFloat) { check_views<float>(); }
TEST(ParamLayout, ViewsAreTheTensorsSlicesDouble) { check_views<double>(); }

template <class T>
void check_norms() {
  // fc.weight = (3, 4, 0, 0, 0, 0): norm 5; fc.bias = (1, 2, 2): 3; conv.weight = 48 entries of
  // 0.5: sqrt(12); temp = -2: 2. The flat norm would be sqrt(25 + 9 + 12 + 4) = sqrt(50).
  const ParamLayout l = small_net();
  std::vector<T> buf(l.size(), T(0));
  buf[0] = T(3);
  buf[1] = T(4);
  buf[6] = T(1);
  buf[7] = T(2);
  buf[8] = T(2);
  for (std::size_t i = 9; i < 57; ++i) buf[i] = T(0.5);
  buf[57] = T(-2);
  std::vector<double> n(4), sq(4);
  l.norms(std::span<const T>(buf), n);
  l.squared_norms(std::span<const T>(buf), sq);
  EXPECT_EQ(n[0], 5.0);
  EXPECT_EQ(n[1], 3.0);
  EXPECT_EQ(n[2], std::sqrt(12.0));
  EXPECT_EQ(n[3], 2.0);
  EXPECT_EQ(sq, (std::vector<double>{25.0, 9.0, 12.0, 4.0}));
  std::vector<double> wrong(3);
  EXPECT_THROW(l.norms(std::span<const T>(buf), wrong), std::invalid_argument);
}

TEST(ParamLayout, NormsArePerTensorFloat) { check_norms<float>(); }
TEST(ParamLayout, NormsArePerTensorDouble) { check_norms<double>(); }

TEST(ParamLayout, FloatNormsEqualThoseOfTheDoubleCopy) {
  const ParamLayout l = small_net();
  std::vector<float> f(l.size());
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = 1.0f / static_cast<float>(i + 3);
  const std::vector<double> d(f.begin(), f.end());
  std::vector<double> nf(4), nd(4);
  l.norms(std::span<const float>(f), nf);
  l.norms(std::span<const double>(d), nd);
  EXPECT_EQ(nf, nd);
}

TEST(ParamLayout, StateRoundTripAndVerification) {
  const ParamLayout l({{"late", 5, {2}}, {"early", 0, {3}}, {"m", 7, {2, 3}}}, 20);
  StateWriter w;
  l.write_state(w);
  w.u64("after", 7);
  StateReader r(w.bytes(), "test state");
  const ParamLayout back = ParamLayout::read_state(r);
  EXPECT_EQ(r.u64("after"), 7u);
  r.expect_end();
  EXPECT_TRUE(back == l);
  EXPECT_EQ(back.size(), 20u);
  EXPECT_NO_THROW(expect_same_layout(back, l, "ckpt"));

  auto diff = [](const ParamLayout& a, const ParamLayout& b) -> std::string {
    try {
      expect_same_layout(a, b, "ckpt");
    } catch (const DataError& e) {
      return e.what();
    }
    return "(no DataError)";
  };
  const ParamLayout a = ParamLayout::packed({{"w", {2, 3}}, {"b", {3}}});
  EXPECT_THAT(diff(a, ParamLayout::packed({{"w", {3, 2}}, {"b", {3}}})),
              AllOf(HasSubstr("ckpt"), HasSubstr("tensor 0 is 'w' [2, 3] at offset 0 stored but "
                                                 "'w' [3, 2] at offset 0 now")));
  EXPECT_THAT(diff(a, ParamLayout::packed({{"w", {2, 3}}, {"bias", {3}}})),
              HasSubstr("'b' [3] at offset 6 stored but 'bias' [3] at offset 6 now"));
  EXPECT_THAT(diff(a, ParamLayout::packed({{"w", {2, 3}}})), HasSubstr("2 tensors stored, 1 now"));
  EXPECT_THAT(diff(a, ParamLayout({{"w", 0, {2, 3}}, {"b", 6, {3}}}, 12)),
              HasSubstr("buffer of 9 entries stored, 12 now"));
}

TEST(ParamLayout, CorruptStoredLayoutsAreDataErrors) {
  const ParamLayout l = small_net();
  StateWriter w;
  l.write_state(w);
  const std::vector<std::uint8_t> bytes = w.bytes();
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    StateReader r(std::span<const std::uint8_t>(bytes.data(), len), "cut");
    EXPECT_THROW(ParamLayout::read_state(r), DataError) << "prefix " << len;
  }
  // Well-formed fields describing an invalid layout (overlapping tensors).
  StateWriter bad;
  bad.u64("layout.tensors", 2);
  bad.u64("layout.size", 4);
  for (const char* name : {"a", "b"}) {
    bad.text("layout.name", name);
    bad.u64("layout.offset", 0);
    bad.u64("layout.rank", 1);
    bad.u64("layout.dim", 4);
  }
  StateReader r(bad.bytes(), "bad");
  try {
    ParamLayout::read_state(r);
    ADD_FAILURE() << "overlapping stored layout accepted";
  } catch (const DataError& e) {
    EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr("invalid"), HasSubstr("overlaps")));
  }
  // An absurd rank is rejected before reading its dimensions.
  StateWriter deep;
  deep.u64("layout.tensors", 1);
  deep.u64("layout.size", 1);
  deep.text("layout.name", "x");
  deep.u64("layout.offset", 0);
  deep.u64("layout.rank", 1000);
  StateReader rd(deep.bytes(), "deep");
  EXPECT_THROW(ParamLayout::read_state(rd), DataError);
}

}  // namespace
}  // namespace dcopt

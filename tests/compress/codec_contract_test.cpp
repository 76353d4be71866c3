// The contract every codec in the catalog must honour (ALGORITHMS.md §1.15, DESIGN.md
// "Compressor"), run over every example spec of every codec: exact bit accounting, determinism,
// zero vectors, tiny dimensions, the declared statistical constants, and rejection of truncated,
// oversized, corrupted, wrong-codec and wrong-dimension messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {
namespace {

std::vector<std::string> all_example_specs() {
  std::vector<std::string> specs;
  for (const auto& info : codec_catalog()) {
    for (const auto& e : info.examples) specs.push_back(e);
  }
  return specs;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s;
  for (char c : info.param) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s + "_" + std::to_string(info.index);
}

enum class Shape { gaussian, heavy_tailed, zeros_and_powers };

std::vector<double> make_vector(std::size_t d, Shape shape, std::uint64_t seed) {
  Rng rng(seed, Purpose::test, d, static_cast<std::uint64_t>(shape));
  std::vector<double> x(d);
  for (std::size_t i = 0; i < d; ++i) {
    switch (shape) {
      case Shape::gaussian: x[i] = rng.normal(); break;
      case Shape::heavy_tailed: x[i] = rng.normal() / (rng.uniform() + 1e-3); break;
      case Shape::zeros_and_powers:
        x[i] = (i % 3 == 0) ? 0.0 : std::ldexp(i % 2 ? 1.0 : -1.0, static_cast<int>(i % 7) - 3);
        break;
    }
  }
  return x;
}

class CodecContract : public ::testing::TestWithParam<std::string> {
 protected:
  CompressorPtr codec = make_compressor(GetParam());
};

TEST_P(CodecContract, SpecRoundTripsThroughTheRegistry) {
  CompressorPtr again = make_compressor(codec->spec());
  EXPECT_EQ(again->spec(), codec->spec());
  EXPECT_EQ(again->id(), codec->id());
  EXPECT_EQ(make_compressor(codec->spec())->name(), codec->name());
}

TEST_P(CodecContract, BitsMatchBytesAndEncodingIsDeterministic) {
  for (std::size_t d : {1u, 7u, 100u, 1000u}) {
    for (Shape s : {Shape::gaussian, Shape::heavy_tailed, Shape::zeros_and_powers}) {
      auto x = make_vector(d, s, 1);
      Rng r1(5, Purpose::compressor, 0, d);
      Rng r2(5, Purpose::compressor, 0, d);
      Message m1 = codec->encode(x, r1);
      Message m2 = codec->encode(x, r2);
      ASSERT_EQ(m1.bytes, m2.bytes) << "same stream must give the same message";
      ASSERT_EQ(m1.bits, m2.bits);
      ASSERT_EQ(m1.bytes.size(), (m1.bits + 7) / 8) << "bits must be the exact encoded size";
      ASSERT_GT(m1.header_bits, 0u);
      ASSERT_LE(m1.header_bits, m1.bits);
      std::vector<double> out(d, 0.0), again(d, 0.0);
      codec->decode(m1.bytes, out, Rng(5, Purpose::compressor, 0, d));
      codec->decode(m1.bytes, again, Rng(5, Purpose::compressor, 0, d));
      ASSERT_EQ(out, again);
      ASSERT_TRUE(vec::all_finite(out));
      // decode_add with a scale is acc + scale * decode
      std::vector<double> acc(d, 1.0);
      codec->decode_add(m1.bytes, -2.0, acc, Rng(5, Purpose::compressor, 0, d));
      for (std::size_t i = 0; i < d; ++i) ASSERT_DOUBLE_EQ(acc[i], 1.0 - 2.0 * out[i]);
    }
  }
}

// round_trip() is decode(encode(x)) bit for bit, with the message's exact size, for both
// element types (a codec's shortcut, e.g. identity's, must not change a value, not even the sign
// of a zero), at dimensions whose header varint has one, two and three groups.
template <class T>
void expect_round_trip_is_encode_then_decode(const Compressor& codec) {
  for (std::size_t d : {1u, 7u, 127u, 128u, 1000u, 16384u}) {
    for (Shape s : {Shape::gaussian, Shape::heavy_tailed, Shape::zeros_and_powers}) {
      const std::vector<double> xd = make_vector(d, s, 3);
      std::vector<T> x(xd.begin(), xd.end());
      x[0] = -T{0};
      const Rng stream(8, Purpose::compressor, 1, d);
      Rng rng = stream;
      const Message m = codec.encode(std::span<const T>(x), rng);
      std::vector<T> want(d), got(d, T{7});
      codec.decode(m.bytes, std::span<T>(want), stream);
      Message scratch;
      const std::uint64_t bits =
          codec.round_trip(std::span<const T>(x), stream, std::span<T>(got), scratch);
      ASSERT_EQ(bits, m.bits) << "d = " << d;
      for (std::size_t i = 0; i < d; ++i) {
        ASSERT_EQ(std::signbit(got[i]), std::signbit(want[i])) << "d = " << d << ", i = " << i;
        if (std::isnan(want[i])) {
          ASSERT_TRUE(std::isnan(got[i])) << "d = " << d << ", i = " << i;
        } else {
          ASSERT_EQ(got[i], want[i]) << "d = " << d << ", i = " << i;
        }
      }
    }
  }
}

TEST_P(CodecContract, RoundTripIsEncodeThenDecode) {
  expect_round_trip_is_encode_then_decode<double>(*codec);
  expect_round_trip_is_encode_then_decode<float>(*codec);
}

TEST_P(CodecContract, ZeroVectorDecodesToZero) {
  for (std::size_t d : {1u, 7u, 100u}) {
    std::vector<double> x(d, 0.0), out(d, 1.0);
    Rng rng(6, Purpose::compressor, 0, 0);
    Message m = codec->encode(x, rng);
    codec->decode(m.bytes, out, Rng(6, Purpose::compressor, 0, 0));
    for (double v : out) ASSERT_EQ(v, 0.0);
  }
}

TEST_P(CodecContract, DeclaredConstantsHoldStatistically) {
  // d = 100, T = 20000 draws. Tolerances: for unbiasedness the Monte-Carlo error of the mean
  // has norm ~ sqrt(omega/T) ||x||; we allow 5x that, plus 1e-6 for fp32 rounding of values on
  // the wire. For the variance we allow 5% above the declared omega (the spec's 2% at T=1e5,
  // scaled for fewer draws) plus the fp32 rounding floor.
  const std::size_t d = 100;
  const int trials = 20000;
  const CompressorProperties p = codec->properties(d);
  for (Shape s : {Shape::gaussian, Shape::heavy_tailed, Shape::zeros_and_powers}) {
    auto x = make_vector(d, s, 2);
    const double xx = vec::norm2_sq(x);
    std::vector<double> mean(d, 0.0), out(d);
    double err_sum = 0.0, nnz_sum = 0.0, worst_err = 0.0;
    for (int t = 0; t < trials; ++t) {
      Rng rng(7, Purpose::compressor, 0, static_cast<std::uint64_t>(t));
      Message m = codec->encode(x, rng);
      codec->decode(m.bytes, out, Rng(7, Purpose::compressor, 0, static_cast<std::uint64_t>(t)));
      vec::axpy(1.0 / trials, out, mean);
      double e = vec::dist2_sq(out, x);
      err_sum += e;
      worst_err = std::max(worst_err, e);
      for (double v : out) nnz_sum += (v != 0.0);
      if (p.deterministic) break;
    }
    const int used = p.deterministic ? 1 : trials;
    if (p.deterministic) vec::scale(static_cast<double>(trials), mean);
    const double err_mean = err_sum / used;
    if (p.unbiased) {
      double bias = std::sqrt(vec::dist2_sq(mean, x) / xx);
      EXPECT_LT(bias, 5 * std::sqrt(p.omega / trials) + 1e-6) << "shape " << int(s);
      EXPECT_LE(err_mean, (1.05 * p.omega + 1e-6) * xx) << "shape " << int(s);
    }
    if (std::isfinite(p.delta)) {
      ASSERT_GE(p.delta, 1.0);
      // Contractive: on average (and for deterministic codecs, exactly) within the bound.
      EXPECT_LE(err_mean, (1.0 - 1.0 / p.delta) * xx * 1.05 + 1e-6 * xx) << "shape " << int(s);
    }
    EXPECT_LE(p.expected_density, static_cast<double>(d));
    EXPECT_LE(nnz_sum / used, p.expected_density * 1.05 + 1.0) << "shape " << int(s);
  }
}

TEST_P(CodecContract, TruncatedMessagesAreRejected) {
  for (std::size_t d : {1u, 7u, 100u}) {
    auto x = make_vector(d, Shape::gaussian, 3);
    Rng rng(8, Purpose::compressor, 0, 0);
    Message m = codec->encode(x, rng);
    for (std::size_t len = 0; len < m.bytes.size(); ++len) {
      std::vector<std::uint8_t> cut(m.bytes.begin(), m.bytes.begin() + static_cast<long>(len));
      std::vector<double> out(d, 0.0);
      EXPECT_THROW(codec->decode(cut, out, Rng(8, Purpose::compressor, 0, 0)), DecodeError)
          << "prefix of " << len << " of " << m.bytes.size() << " bytes, d=" << d;
    }
  }
}

TEST_P(CodecContract, OversizedMessagesAreRejected) {
  auto x = make_vector(50, Shape::gaussian, 4);
  Rng rng(9, Purpose::compressor, 0, 0);
  Message m = codec->encode(x, rng);
  for (std::uint8_t extra : {std::uint8_t{0}, std::uint8_t{0xFF}}) {
    auto longer = m.bytes;
    longer.push_back(extra);
    std::vector<double> out(50, 0.0);
    EXPECT_THROW(codec->decode(longer, out, Rng(9, Purpose::compressor, 0, 0)), DecodeError);
  }
}

TEST_P(CodecContract, WrongDimensionIsRejected) {
  auto x = make_vector(20, Shape::gaussian, 5);
  Rng rng(10, Purpose::compressor, 0, 0);
  Message m = codec->encode(x, rng);
  std::vector<double> small(19), large(21);
  EXPECT_THROW(codec->decode(m.bytes, small, Rng(10, Purpose::compressor, 0, 0)), DecodeError);
  EXPECT_THROW(codec->decode(m.bytes, large, Rng(10, Purpose::compressor, 0, 0)), DecodeError);
}

TEST_P(CodecContract, OtherCodecsMessagesAreRejected) {
  auto x = make_vector(30, Shape::gaussian, 6);
  for (const auto& info : codec_catalog()) {
    CompressorPtr other = info.make(CodecSpec::parse(info.examples.front()));
    if (other->id() == codec->id()) continue;
    Rng rng(11, Purpose::compressor, 0, 0);
    Message m = other->encode(x, rng);
    std::vector<double> out(30, 0.0);
    EXPECT_THROW(codec->decode(m.bytes, out, Rng(11, Purpose::compressor, 0, 0)), DecodeError)
        << "message of " << other->spec();
  }
}

TEST_P(CodecContract, CorruptedMessagesNeverCrash) {
  // Random bit flips and byte overwrites: the decoder must either throw DecodeError or produce a
  // result, never another exception or an out-of-bounds access (the sanitizer build checks the
  // latter). Flips in the header must be detected.
  const std::size_t d = 64;
  auto x = make_vector(d, Shape::heavy_tailed, 7);
  Rng rng(12, Purpose::compressor, 0, 0);
  Message m = codec->encode(x, rng);
  Rng noise(13, Purpose::test);
  int rejected = 0;
  for (int t = 0; t < 300; ++t) {
    auto bad = m.bytes;
    int flips = 1 + static_cast<int>(noise.below(4));
    for (int f = 0; f < flips; ++f) {
      std::size_t pos = noise.below(bad.size());
      if (noise.bernoulli(0.5)) {
        bad[pos] ^= static_cast<std::uint8_t>(1u << noise.below(8));
      } else {
        bad[pos] = static_cast<std::uint8_t>(noise.below(256));
      }
    }
    std::vector<double> out(d, 0.0);
    try {
      codec->decode(bad, out, Rng(12, Purpose::compressor, 0, 0));
    } catch (const DecodeError&) {
      ++rejected;
    }
  }
  // The first byte is the codec id: changing it must always be caught.
  for (int v = 0; v < 256; ++v) {
    if (v == m.bytes[0]) continue;
    auto bad = m.bytes;
    bad[0] = static_cast<std::uint8_t>(v);
    std::vector<double> out(d, 0.0);
    EXPECT_THROW(codec->decode(bad, out, Rng(12, Purpose::compressor, 0, 0)), DecodeError);
  }
  SUCCEED() << rejected << " of 300 corrupted messages rejected";
}

// The float path (compressor.hpp): a float vector is read as double, so it encodes to exactly
// the bytes of its double copy with the same stream, whichever codec.
TEST_P(CodecContract, FloatInputEncodesToTheBytesOfItsDoubleCopy) {
  for (std::size_t d : {1u, 7u, 100u, 1000u}) {
    for (Shape s : {Shape::gaussian, Shape::heavy_tailed, Shape::zeros_and_powers}) {
      const auto x = make_vector(d, s, 14);
      const std::vector<float> xf(x.begin(), x.end());
      const std::vector<double> xd(xf.begin(), xf.end());  // exact copy of the float values
      Rng rd(15, Purpose::compressor, 0, d);
      Rng rf(15, Purpose::compressor, 0, d);
      const Message md = codec->encode(std::span<const double>(xd), rd);
      const Message mf = codec->encode(std::span<const float>(xf), rf);
      ASSERT_EQ(mf.bytes, md.bytes) << "d=" << d << " shape " << int(s);
      ASSERT_EQ(mf.bits, md.bits);
      ASSERT_EQ(mf.header_bits, md.header_bits);
      // Both streams were consumed alike (randk_shared's receiver relies on this).
      ASSERT_EQ(rf.next_u64(), rd.next_u64());
    }
  }
}

TEST_P(CodecContract, FloatInputIsValidatedLikeDouble) {
  // A non-finite entry: either both encodings throw the same InvalidArgument, or both succeed
  // with the same bytes (the double input is the exact copy of the float one, NaN included).
  for (float bad :
       {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    const auto x = make_vector(40, Shape::gaussian, 16);
    std::vector<float> xf(x.begin(), x.end());
    xf[3] = bad;
    const std::vector<double> xd(xf.begin(), xf.end());
    std::string err_d, err_f;
    Message md, mf;
    try {
      Rng rng(17, Purpose::compressor, 0, 0);
      md = codec->encode(std::span<const double>(xd), rng);
    } catch (const InvalidArgument& e) {
      err_d = e.what();
    }
    try {
      Rng rng(17, Purpose::compressor, 0, 0);
      mf = codec->encode(std::span<const float>(xf), rng);
    } catch (const InvalidArgument& e) {
      err_f = e.what();
    }
    EXPECT_EQ(err_f, err_d) << bad;
    EXPECT_EQ(mf.bytes, md.bytes) << bad;
  }
}

// Decoding into a float accumulator computes each update in double and rounds once: from zero
// it is the float rounding of the double decode; with a scale, float(acc + scale * value).
TEST_P(CodecContract, FloatAccumulatorGetsTheRoundedDoubleDecode) {
  for (std::size_t d : {1u, 7u, 100u, 1000u}) {
    for (Shape s : {Shape::gaussian, Shape::heavy_tailed, Shape::zeros_and_powers}) {
      const auto x = make_vector(d, s, 18);
      Rng rng(19, Purpose::compressor, 0, d);
      const Message m = codec->encode(x, rng);
      std::vector<double> out(d, 0.0);
      codec->decode(m.bytes, out, Rng(19, Purpose::compressor, 0, d));
      std::vector<float> outf(d, 1.0f);
      codec->decode(m.bytes, std::span<float>(outf), Rng(19, Purpose::compressor, 0, d));
      for (std::size_t i = 0; i < d; ++i) {
        ASSERT_EQ(outf[i], static_cast<float>(out[i])) << "entry " << i << " d=" << d;
      }
      std::vector<float> acc(d, 1.0f);
      codec->decode_add(m.bytes, -2.0, std::span<float>(acc), Rng(19, Purpose::compressor, 0, d));
      for (std::size_t i = 0; i < d; ++i) {
        ASSERT_EQ(acc[i], static_cast<float>(1.0 + -2.0 * out[i])) << "entry " << i;
      }
      // Malformed input is rejected into a float accumulator too, which stays untouched.
      if (m.bytes.size() > 1) {
        std::vector<std::uint8_t> cut(m.bytes.begin(), m.bytes.end() - 1);
        std::vector<float> untouched(d, 3.0f);
        EXPECT_THROW(codec->decode_add(cut, 1.0, std::span<float>(untouched),
                                       Rng(19, Purpose::compressor, 0, d)),
                     DecodeError);
        for (float v : untouched) ASSERT_EQ(v, 3.0f);
      }
    }
  }
}

// encode(x, rng, out) overwrites every field of `out` and writes into its storage: with enough
// capacity the buffer is not reallocated (same data pointer), whatever was in it before.
TEST_P(CodecContract, EncodeIntoAReusedMessageOverwritesItInPlace) {
  Message reused;
  reused.bytes.assign(3, 0xEE);
  reused.bytes.reserve(1 << 16);
  reused.bits = 12345;
  reused.header_bits = 999;
  const std::uint8_t* storage = reused.bytes.data();
  for (std::size_t d : {1000u, 7u, 100u}) {  // shrinking and growing within the capacity
    for (int as_float = 0; as_float < 2; ++as_float) {
      const auto x = make_vector(d, Shape::heavy_tailed, 20);
      const std::vector<float> xf(x.begin(), x.end());
      Rng r1(21, Purpose::compressor, 0, d), r2(21, Purpose::compressor, 0, d);
      Message fresh;
      if (as_float) {
        fresh = codec->encode(std::span<const float>(xf), r1);
        codec->encode(std::span<const float>(xf), r2, reused);
      } else {
        fresh = codec->encode(x, r1);
        codec->encode(x, r2, reused);
      }
      ASSERT_EQ(reused.bytes, fresh.bytes) << "d=" << d;
      ASSERT_EQ(reused.bits, fresh.bits);
      ASSERT_EQ(reused.header_bits, fresh.header_bits);
      ASSERT_EQ(reused.bytes.data(), storage) << "the message buffer was reallocated, d=" << d;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecContract, ::testing::ValuesIn(all_example_specs()),
                         test_name);

TEST(Registry, UnknownCodecAndBadSpecsNameTheProblem) {
  try {
    make_compressor("nosuch:k=1");
    FAIL();
  } catch (const InvalidArgument& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("nosuch"), std::string::npos);
    EXPECT_NE(msg.find("identity"), std::string::npos) << "must list valid codecs: " << msg;
  }
  EXPECT_THROW(make_compressor(""), InvalidArgument);
  EXPECT_THROW(make_compressor("identity:precision"), InvalidArgument);
  EXPECT_THROW(make_compressor("identity:precision=16"), InvalidArgument);
  EXPECT_THROW(make_compressor("identity:bogus=1"), InvalidArgument);
  EXPECT_THROW(make_compressor("identity:precision=32,precision=64"), InvalidArgument);
}

TEST(Registry, EveryCodecHasDocumentationAndExamples) {
  for (const auto& info : codec_catalog()) {
    EXPECT_FALSE(info.summary.empty()) << info.name;
    EXPECT_FALSE(info.theory.empty()) << info.name;
    EXPECT_FALSE(info.wire_bits.empty()) << info.name;
    ASSERT_FALSE(info.examples.empty()) << info.name;
    EXPECT_EQ(CodecSpec::parse(info.examples.front()).name(), info.name);
  }
}

}  // namespace
}  // namespace dcopt

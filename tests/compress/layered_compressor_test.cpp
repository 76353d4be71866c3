// The layered codec: one message per tensor of a layout, each from the tensor's own codec, in a
// framing whose size is metered exactly and which is decoded as untrusted input.
#include "dcopt/compress/layered_compressor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "dcopt/compress/compression_policy.hpp"
#include "dcopt/compress/compressor_stats.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

ParamLayout layout() {
  return ParamLayout::packed(
      {{"w1", {10, 20}}, {"b1", {20}}, {"w2", {20, 5}}, {"b2", {5}}, {"scale", {}}});
}
constexpr std::size_t kDim = 326;

// Policies covering dense, quantized, sparsified, shared-seed and variable-size tensor codecs.
const char* const kPolicies[] = {
    "rank<=1 -> identity; default -> int8",
    "numel>=100 -> topk:ratio=0.1; default -> identity",
    "name=w1 -> randk_shared:ratio=0.25; name=w2 -> randk:k=5; default -> identity:precision=64",
    "rank>=2 -> int8:block=16,rounding=stochastic; name=b? -> qsgd; default -> fp16",
    // Bit-packed tensor messages, the last one included (49 bits for the scalar): the padding
    // between and after them is metered as the header says.
    "rank<=1 -> scaled_sign; default -> topk:ratio=0.1",
};

std::vector<double> gaussian(std::size_t d, std::uint64_t seed) {
  Rng rng(seed, Purpose::test, d);
  std::vector<double> x(d);
  for (double& v : x) v = rng.normal();
  return x;
}

// The stream tensor t's codec uses, as the header of layered_compressor.hpp specifies.
Rng sub_stream(Rng parent, std::size_t t) {
  const std::uint64_t key = parent.next_u64();
  return Rng(key, Purpose::compressor, t, 0);
}

// The framing, parsed independently of the codec.
struct Frames {
  std::uint8_t id = 0;
  std::uint64_t d = 0, count = 0;
  std::size_t header_bytes = 0;
  std::vector<std::vector<std::uint8_t>> messages;
  std::vector<std::size_t> length_field_bytes;
  std::vector<std::size_t> length_field_pos;
};

std::uint64_t varint(const std::vector<std::uint8_t>& b, std::size_t& pos) {
  std::uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    const std::uint8_t byte = b.at(pos++);
    v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return v;
  }
}

Frames parse(const std::vector<std::uint8_t>& b) {
  Frames f;
  std::size_t pos = 0;
  f.id = b.at(pos++);
  f.d = varint(b, pos);
  f.count = varint(b, pos);
  f.header_bytes = pos;
  for (std::uint64_t t = 0; t < f.count; ++t) {
    f.length_field_pos.push_back(pos);
    const std::size_t before = pos;
    const std::uint64_t len = varint(b, pos);
    f.length_field_bytes.push_back(pos - before);
    f.messages.emplace_back(b.begin() + static_cast<long>(pos),
                            b.begin() + static_cast<long>(pos + len));
    pos += len;
  }
  EXPECT_EQ(pos, b.size());
  return f;
}

class LayeredPolicy : public ::testing::TestWithParam<const char*> {
 protected:
  std::shared_ptr<const LayeredCompressor> codec =
      CompressionPolicy::parse(GetParam()).apply(layout());
};

TEST_P(LayeredPolicy, EachTensorIsItsCodecsMessageOnItsOwnSubStream) {
  const auto x = gaussian(kDim, 1);
  const ParamLayout& l = codec->layout();
  for (std::uint64_t round = 0; round < 5; ++round) {
    const Rng start(3, Purpose::compressor, 1, round);
    Rng rng = start;
    const Message m = codec->encode(x, rng);
    const Frames f = parse(m.bytes);
    EXPECT_EQ(f.id, static_cast<std::uint8_t>(CodecId::layered));
    EXPECT_EQ(f.d, kDim);
    ASSERT_EQ(f.count, l.num_tensors());
    std::vector<double> expected(kDim, 0.0);
    for (std::size_t t = 0; t < l.num_tensors(); ++t) {
      const Compressor& c = codec->codec(t);
      Rng sub = sub_stream(start, t);
      const Message alone = c.encode(l.view(std::span<const double>(x), t), sub);
      EXPECT_EQ(f.messages[t], alone.bytes) << "tensor " << t << " round " << round;
      c.decode(alone.bytes, l.view(std::span<double>(expected), t), sub_stream(start, t));
    }
    std::vector<double> out(kDim, 7.0);
    codec->decode(m.bytes, out, start);
    EXPECT_EQ(out, expected) << "round " << round;
  }
}

TEST_P(LayeredPolicy, BitsAreTheExactMessageSizeAndTheSumOfItsParts) {
  const auto x = gaussian(kDim, 2);
  const ParamLayout& l = codec->layout();
  for (std::uint64_t round = 0; round < 5; ++round) {
    const Rng start(4, Purpose::compressor, 0, round);
    Rng rng = start;
    Message m;
    std::vector<TensorWireBits> report(l.num_tensors());
    codec->encode_with_report(std::span<const double>(x), rng, m, report);
    ASSERT_EQ(m.bytes.size(), (m.bits + 7) / 8);
    const Frames f = parse(m.bytes);
    const std::uint64_t layered_header = 8 * f.header_bytes;  // id, d, count
    EXPECT_EQ(layered_header, 8u + 8u * 2u + 8u);             // d = 326 takes two varint bytes
    std::uint64_t sum = layered_header, header = layered_header, payload = 0;
    for (std::size_t t = 0; t < l.num_tensors(); ++t) {
      Rng sub = sub_stream(start, t);
      const Message alone = codec->codec(t).encode(l.view(std::span<const double>(x), t), sub);
      EXPECT_EQ(report[t].codec_bits, alone.bits) << "tensor " << t;
      EXPECT_EQ(report[t].codec_header_bits, alone.header_bits) << "tensor " << t;
      const std::uint64_t padding = 8 * alone.bytes.size() - alone.bits;
      const bool last = t + 1 == l.num_tensors();
      EXPECT_EQ(report[t].framing_bits, 8 * f.length_field_bytes[t] + (last ? 0 : padding));
      sum += report[t].total();
      header += report[t].codec_header_bits + report[t].framing_bits;
      payload += alone.payload_bits();
    }
    EXPECT_EQ(m.bits, sum);
    // Only the final padding is left out of the exact size.
    const std::size_t last = l.num_tensors() - 1;
    Rng last_stream = sub_stream(start, last);
    const Message last_alone =
        codec->codec(last).encode(l.view(std::span<const double>(x), last), last_stream);
    EXPECT_EQ(m.bits, 8 * m.bytes.size() - (8 * last_alone.bytes.size() - last_alone.bits));
    EXPECT_EQ(m.header_bits, header);
    EXPECT_EQ(m.payload_bits(), payload);
    // encode and encode_with_report produce the same message.
    Rng again = start;
    const Message plain = codec->encode(x, again);
    EXPECT_EQ(plain.bytes, m.bytes);
    EXPECT_EQ(plain.bits, m.bits);
    EXPECT_EQ(plain.header_bits, m.header_bits);
    EXPECT_EQ(again.next_u64(), rng.next_u64());  // both drew the same from the stream
  }
  std::vector<TensorWireBits> wrong(l.num_tensors() + 1);
  Message m;
  Rng rng(1, Purpose::compressor);
  EXPECT_THROW(codec->encode_with_report(std::span<const double>(x), rng, m, wrong),
               std::invalid_argument);
}

TEST_P(LayeredPolicy, FloatInputEncodesToTheBytesOfItsDoubleCopy) {
  for (std::uint64_t seed : {5u, 6u, 7u}) {
    const auto x = gaussian(kDim, seed);
    const std::vector<float> xf(x.begin(), x.end());
    const std::vector<double> xd(xf.begin(), xf.end());
    Rng rd(8, Purpose::compressor, 0, seed), rf(8, Purpose::compressor, 0, seed);
    std::vector<TensorWireBits> bd(codec->num_tensors()), bf(codec->num_tensors());
    Message md, mf;
    codec->encode_with_report(std::span<const double>(xd), rd, md, bd);
    codec->encode_with_report(std::span<const float>(xf), rf, mf, bf);
    ASSERT_EQ(mf.bytes, md.bytes);
    ASSERT_EQ(mf.bits, md.bits);
    ASSERT_EQ(mf.header_bits, md.header_bits);
    ASSERT_EQ(rf.next_u64(), rd.next_u64());
    for (std::size_t t = 0; t < bd.size(); ++t) ASSERT_EQ(bf[t].total(), bd[t].total());
  }
}

TEST_P(LayeredPolicy, FloatAccumulatorGetsTheRoundedDoubleDecode) {
  const auto x = gaussian(kDim, 9);
  const Rng start(10, Purpose::compressor, 2, 0);
  Rng rng = start;
  const Message m = codec->encode(x, rng);
  std::vector<double> out(kDim);
  codec->decode(m.bytes, out, start);
  std::vector<float> acc(kDim, 1.0f);
  codec->decode_add(m.bytes, -2.0, std::span<float>(acc), start);
  for (std::size_t i = 0; i < kDim; ++i) {
    ASSERT_EQ(acc[i], static_cast<float>(1.0 + -2.0 * out[i])) << "entry " << i;
  }
}

TEST_P(LayeredPolicy, EncodeIntoAReusedMessageOverwritesItInPlace) {
  Message reused;
  reused.bytes.assign(5, 0xEE);
  reused.bytes.reserve(1 << 16);
  reused.bits = 1;
  reused.header_bits = 2;
  const std::uint8_t* storage = reused.bytes.data();
  for (std::uint64_t seed : {11u, 12u}) {
    const auto x = gaussian(kDim, seed);
    Rng r1(13, Purpose::compressor, 0, seed), r2(13, Purpose::compressor, 0, seed);
    const Message fresh = codec->encode(x, r1);
    codec->encode(x, r2, reused);
    ASSERT_EQ(reused.bytes, fresh.bytes);
    ASSERT_EQ(reused.bits, fresh.bits);
    ASSERT_EQ(reused.header_bits, fresh.header_bits);
    ASSERT_EQ(reused.bytes.data(), storage);
  }
}

// Every malformed message is a DecodeError; framing errors leave the accumulator untouched.
TEST_P(LayeredPolicy, TruncatedOversizedAndMisframedMessagesAreRejected) {
  const auto x = gaussian(kDim, 14);
  const Rng start(15, Purpose::compressor, 0, 0);
  Rng rng = start;
  const Message m = codec->encode(x, rng);
  auto rejected_untouched = [&](const std::vector<std::uint8_t>& bad, const std::string& what) {
    std::vector<double> acc(kDim, 3.0);
    EXPECT_THROW(codec->decode_add(bad, 1.0, acc, start), DecodeError) << what;
    for (double v : acc) ASSERT_EQ(v, 3.0) << what;
    std::vector<float> accf(kDim, 3.0f);
    EXPECT_THROW(codec->decode_add(bad, 1.0, std::span<float>(accf), start), DecodeError) << what;
    for (float v : accf) ASSERT_EQ(v, 3.0f) << what;
  };
  for (std::size_t len = 0; len < m.bytes.size(); ++len) {
    rejected_untouched({m.bytes.begin(), m.bytes.begin() + static_cast<long>(len)},
                       "prefix of " + std::to_string(len));
  }
  for (std::uint8_t extra : {std::uint8_t{0}, std::uint8_t{0xFF}}) {
    auto longer = m.bytes;
    longer.push_back(extra);
    rejected_untouched(longer, "trailing byte");
  }
  const Frames f = parse(m.bytes);
  // The tensor count (one byte here) one off either way.
  for (int delta : {-1, 1}) {
    auto bad = m.bytes;
    bad[f.header_bytes - 1] = static_cast<std::uint8_t>(bad[f.header_bytes - 1] + delta);
    rejected_untouched(bad, "count " + std::to_string(delta));
  }
  // Each length field one off either way (where it stays a one-byte varint).
  for (std::size_t t = 0; t < f.messages.size(); ++t) {
    for (int delta : {-1, 1}) {
      auto bad = m.bytes;
      const std::uint8_t old = bad[f.length_field_pos[t]];
      if (f.length_field_bytes[t] != 1 || (delta > 0 && old >= 0x7F) || (delta < 0 && old == 0)) {
        continue;
      }
      bad[f.length_field_pos[t]] = static_cast<std::uint8_t>(old + delta);
      std::vector<double> acc(kDim, 0.0);
      EXPECT_THROW(codec->decode_add(bad, 1.0, acc, start), DecodeError)
          << "length of tensor " << t << " " << delta;
    }
  }
  // Each tensor message's codec id replaced: caught before any tensor is decoded.
  for (std::size_t t = 0; t < f.messages.size(); ++t) {
    auto bad = m.bytes;
    const std::size_t id_pos = f.length_field_pos[t] + f.length_field_bytes[t];
    bad[id_pos] = static_cast<std::uint8_t>(bad[id_pos] == 1 ? 2 : 1);
    rejected_untouched(bad, "codec id of tensor " + std::to_string(t));
  }
  // Any other value of the layered codec id.
  for (int v = 0; v < 256; ++v) {
    if (v == m.bytes[0]) continue;
    auto bad = m.bytes;
    bad[0] = static_cast<std::uint8_t>(v);
    rejected_untouched(bad, "codec id " + std::to_string(v));
  }
}

TEST_P(LayeredPolicy, WrongDimensionsAreRejected) {
  const auto x = gaussian(kDim, 16);
  const Rng start(17, Purpose::compressor, 0, 0);
  Rng rng = start;
  const Message m = codec->encode(x, rng);
  std::vector<double> small(kDim - 1), large(kDim + 1);
  EXPECT_THROW(codec->decode(m.bytes, small, start), DecodeError);
  EXPECT_THROW(codec->decode(m.bytes, large, start), DecodeError);
  // The message's total dimension rewritten (326 = 0xC6 0x02 as a varint): the header no longer
  // matches the receiver.
  auto bad = m.bytes;
  ASSERT_EQ(bad[1], 0xC6);
  bad[1] = 0xC7;
  std::vector<double> acc(kDim, 0.0);
  EXPECT_THROW(codec->decode_add(bad, 1.0, acc, start), DecodeError);
  // The same total split differently: every tensor message's numel is checked.
  const ParamLayout other = ParamLayout::packed(
      {{"w1", {10, 20}}, {"b1", {20}}, {"w2", {20, 5}}, {"b2", {4}}, {"scale", {2}}});
  const auto other_codec = CompressionPolicy::parse(GetParam()).apply(other);
  Rng rng2 = start;
  const Message m2 = other_codec->encode(x, rng2);
  std::vector<double> acc2(kDim, 3.0);
  EXPECT_THROW(codec->decode_add(m2.bytes, 1.0, acc2, start), DecodeError);
  for (double v : acc2) ASSERT_EQ(v, 3.0);
  // A sender with a vector of the wrong size is a caller's error.
  const auto wrong = gaussian(kDim + 1, 1);
  Rng r(1, Purpose::compressor);
  EXPECT_THROW(codec->encode(wrong, r), InvalidArgument);
  EXPECT_THROW(codec->properties(kDim + 1), InvalidArgument);
}

TEST_P(LayeredPolicy, CorruptedMessagesNeverCrash) {
  const auto x = gaussian(kDim, 18);
  const Rng start(19, Purpose::compressor, 0, 0);
  Rng rng = start;
  const Message m = codec->encode(x, rng);
  Rng noise(20, Purpose::test);
  int rejected = 0;
  for (int trial = 0; trial < 500; ++trial) {
    auto bad = m.bytes;
    const int flips = 1 + static_cast<int>(noise.below(4));
    for (int k = 0; k < flips; ++k) {
      const std::size_t pos = noise.below(bad.size());
      if (noise.bernoulli(0.5)) {
        bad[pos] ^= static_cast<std::uint8_t>(1u << noise.below(8));
      } else {
        bad[pos] = static_cast<std::uint8_t>(noise.below(256));
      }
    }
    std::vector<double> out(kDim, 0.0);
    std::vector<float> outf(kDim, 0.0f);
    try {
      codec->decode(bad, out, start);
    } catch (const DecodeError&) {
      ++rejected;
    }
    try {
      codec->decode(bad, std::span<float>(outf), start);
    } catch (const DecodeError&) {
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST_P(LayeredPolicy, OtherCodecsMessagesAreRejected) {
  const auto x = gaussian(kDim, 21);
  for (const auto& info : codec_catalog()) {
    const CompressorPtr other = info.make(CodecSpec::parse(info.examples.front()));
    Rng rng(22, Purpose::compressor);
    const Message m = other->encode(x, rng);
    std::vector<double> out(kDim, 0.0);
    EXPECT_THROW(codec->decode(m.bytes, out, Rng(22, Purpose::compressor)), DecodeError)
        << other->spec();
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, LayeredPolicy, ::testing::ValuesIn(kPolicies),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return "policy" + std::to_string(info.index);
                         });

TEST(LayeredCompressor, SharedSeedRandKRegeneratesItsIndicesFromTheSendersStream) {
  // Every tensor randk_shared: only values travel, the receiver must rebuild the supports.
  const auto codec = CompressionPolicy::parse("default -> randk_shared:ratio=0.5").apply(layout());
  const auto x = gaussian(kDim, 23);
  const Rng start(24, Purpose::compressor, 3, 9);
  Rng rng = start;
  const Message m = codec->encode(x, rng);
  std::vector<double> out(kDim), wrong(kDim);
  codec->decode(m.bytes, out, start);
  // Entry i is either dropped or x_i * d_t / k_t for its tensor t (k = ceil(numel / 2)).
  const ParamLayout& l = codec->layout();
  std::size_t kept = 0;
  for (std::size_t t = 0; t < l.num_tensors(); ++t) {
    const double n = static_cast<double>(l[t].numel());
    const double s = n / std::ceil(n / 2);
    for (std::size_t i = l[t].offset; i < l[t].end(); ++i) {
      if (out[i] == 0.0) continue;
      ++kept;
      EXPECT_NEAR(out[i], s * x[i], 1e-6 * std::abs(s * x[i])) << "entry " << i;
    }
  }
  EXPECT_EQ(kept, 100u + 10u + 50u + 3u + 1u);
  // Another stream rebuilds other supports: the receiver really uses the sender's stream.
  codec->decode(m.bytes, wrong, Rng(24, Purpose::compressor, 3, 10));
  EXPECT_NE(out, wrong);
}

TEST(LayeredCompressor, SendersSharingAStreamShareEveryTensorsRandomness) {
  const auto codec = CompressionPolicy::parse("default -> randk:ratio=0.2").apply(layout());
  const auto x = gaussian(kDim, 25), y = gaussian(kDim, 26);
  Rng a(27, Purpose::shared_codec), b(27, Purpose::shared_codec);
  std::vector<double> qx(kDim), qy(kDim);
  codec->decode(codec->encode(x, a).bytes, qx, Rng(27, Purpose::shared_codec));
  codec->decode(codec->encode(y, b).bytes, qy, Rng(27, Purpose::shared_codec));
  for (std::size_t i = 0; i < kDim; ++i) EXPECT_EQ(qx[i] == 0.0, qy[i] == 0.0) << i;
}

TEST(LayeredCompressor, PropertiesComposeBlockDiagonally) {
  const ParamLayout l = layout();  // numel 200, 20, 100, 5, 1
  {
    const auto c = CompressionPolicy::parse("rank<=1 -> identity; default -> int8").apply(l);
    const CompressorProperties p = c->properties(kDim);
    const CompressorProperties w1 = make_compressor("int8")->properties(200);
    EXPECT_FALSE(p.unbiased);
    EXPECT_EQ(p.omega, CompressorProperties::none);
    EXPECT_EQ(p.delta, w1.delta);  // the larger tensor has the larger int8 delta
    EXPECT_GT(p.delta, make_compressor("int8")->properties(100).delta);
    EXPECT_EQ(p.expected_density, static_cast<double>(kDim));
    EXPECT_TRUE(p.deterministic);
  }
  {
    const auto c = CompressionPolicy::parse(
                       "name=w1 -> randk_shared:ratio=0.25; name=w2 -> randk:k=5; "
                       "default -> identity")
                       .apply(l);
    const CompressorProperties p = c->properties(kDim);
    EXPECT_TRUE(p.unbiased);
    EXPECT_EQ(p.omega, 19.0);  // max(200/50 - 1, 100/5 - 1, 0)
    EXPECT_EQ(p.delta, CompressorProperties::none);
    EXPECT_EQ(p.expected_density, 50.0 + 5.0 + 26.0);
    EXPECT_FALSE(p.deterministic);
    EXPECT_EQ(c->tensor_properties(0).omega, 3.0);
  }
  {
    const auto c =
        CompressionPolicy::parse("numel>=100 -> topk:ratio=0.05; default -> identity").apply(l);
    const CompressorProperties p = c->properties(kDim);
    EXPECT_FALSE(p.unbiased);
    EXPECT_EQ(p.delta, 20.0);  // max(200/10, 100/5, 1)
    EXPECT_EQ(p.expected_density, 10.0 + 5.0 + 26.0);
  }
  {
    const auto c = CompressionPolicy::parse("default -> identity").apply(l);
    const CompressorProperties p = c->properties(kDim);
    EXPECT_TRUE(p.unbiased);
    EXPECT_EQ(p.omega, 0.0);
    EXPECT_EQ(p.delta, 1.0);
    EXPECT_TRUE(p.deterministic);
  }
}

TEST(LayeredCompressor, DeclaredConstantsHoldStatistically) {
  // 20000 draws at d = 326; measure_compressor's tolerances (5 noise floors for the bias, 5%
  // above the declared omega / contraction) are justified in compressor_stats.hpp.
  for (const char* policy :
       {"name=w1 -> randk_shared:ratio=0.25; name=w2 -> randk:k=5; default -> identity",
        "rank>=2 -> int8:block=16,rounding=stochastic; default -> qsgd",
        "numel>=100 -> topk:ratio=0.05; default -> int8:block=4"}) {
    const auto c = CompressionPolicy::parse(policy).apply(layout());
    const CompressorStats s = measure_compressor(*c, kDim, 20000, 28);
    EXPECT_TRUE(s.consistent) << policy << ": omega measured " << s.omega_measured << " declared "
                              << s.omega_declared << ", bias " << s.bias_measured;
  }
}

TEST(LayeredCompressor, ConstructionErrorsNameTheTensor) {
  const ParamLayout l = ParamLayout::packed({{"a", {4}}, {"b", {2, 3}}});
  const CompressorPtr id = make_compressor("identity");
  auto error_of = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_THAT(error_of([&] {
                LayeredCompressor(l, {{id, ""}});
              }),
              HasSubstr("1 codecs for 2 tensors"));
  EXPECT_THAT(error_of([&] {
                LayeredCompressor(l, {{id, ""}, {nullptr, ""}});
              }),
              HasSubstr("tensor 1 'b' has no codec"));
  const auto inner = std::make_shared<const LayeredCompressor>(ParamLayout::packed({{"x", {6}}}),
                                                               std::vector<TensorCodec>{{id, ""}});
  EXPECT_THAT(error_of([&] {
                LayeredCompressor(l, {{id, ""}, {inner, ""}});
              }),
              HasSubstr("do not nest"));
  EXPECT_THAT(error_of([&] {
                LayeredCompressor(l, {{make_compressor("topk:k=5"), ""}, {id, ""}});
              }),
              HasSubstr("tensor 0 'a' [4] (4 entries)"));
  // Without a description, spec() lists every tensor's codec.
  const LayeredCompressor plain(l, {{id, "mine"}, {make_compressor("fp16"), ""}});
  EXPECT_EQ(plain.spec(), "layered{a: identity:precision=32; b: fp16}");
  EXPECT_EQ(plain.name(), "layered");
}

TEST(LayeredCompressor, InvalidInputNamesTheTensor) {
  const auto c = CompressionPolicy::parse("name=b -> int8")
                     .apply(ParamLayout::packed({{"a", {4}}, {"b", {3}}}));
  std::vector<double> x(7, 1.0);
  x[5] = std::nan("");
  Rng rng(1, Purpose::compressor);
  try {
    c->encode(x, rng);
    ADD_FAILURE() << "NaN accepted by int8";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("tensor 1 'b'"));
  }
}

TEST(LayeredCompressor, EmptyLayoutIsAHeaderOnly) {
  const LayeredCompressor c{ParamLayout(), {}};
  Rng rng(1, Purpose::compressor);
  const Message m = c.encode(std::span<const double>(), rng);
  EXPECT_EQ(m.bytes, (std::vector<std::uint8_t>{13, 0, 0}));
  EXPECT_EQ(m.bits, 24u);
  EXPECT_EQ(m.header_bits, 24u);
  std::vector<double> none;
  EXPECT_NO_THROW(c.decode(m.bytes, none, Rng(1, Purpose::compressor)));
  EXPECT_EQ(c.properties(0).expected_density, 0.0);
}

}  // namespace
}  // namespace dcopt

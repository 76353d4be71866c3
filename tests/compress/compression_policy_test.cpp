#include "dcopt/compress/compression_policy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// A transformer-ish layout: an embedding above 2^16 entries, one exactly at 2^16, a LayerNorm
// pair (1-D), an attention matrix, a 1-D tensor above the threshold, and a scalar.
ParamLayout net() {
  return ParamLayout::packed({{"embeddings.word", {1000, 70}},          // 70000 > 2^16
                              {"encoder.0.attn.q.weight", {256, 256}},  // exactly 2^16
                              {"encoder.0.ln.weight", {256}},
                              {"encoder.0.ln.bias", {256}},
                              {"encoder.0.ffn.weight", {64, 32}},
                              {"huge.bias", {70000}},
                              {"temperature", {}}});
}

std::vector<std::string> assigned_specs(const LayeredCompressor& c) {
  std::vector<std::string> s;
  for (const auto& tc : c.assignment()) s.push_back(tc.codec->spec());
  return s;
}

std::string invalid(std::string_view text) {
  try {
    CompressionPolicy::parse(text);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(accepted)";
}

const std::string kId = "identity:precision=32";
const std::string kInt8 = "int8:block=4096,rounding=nearest";

TEST(CompressionPolicy, SizeThresholdIsStrict) {
  // The MASHA paper's "mixed 8-bit": more than 2^16 entries -> int8, the rest dense.
  const auto c = CompressionPolicy::parse("numel>2^16 -> int8").apply(net());
  EXPECT_EQ(assigned_specs(*c), (std::vector<std::string>{kInt8, kId, kId, kId, kId, kInt8, kId}));
  const auto ge = CompressionPolicy::parse("numel>=65536 -> int8").apply(net());
  EXPECT_EQ(ge->codec(1).spec(), kInt8);
  const auto lt = CompressionPolicy::parse("numel<2048 -> bf16").apply(net());
  EXPECT_EQ(assigned_specs(*lt),
            (std::vector<std::string>{kId, kId, "bf16", "bf16", kId, kId, "bf16"}));
}

TEST(CompressionPolicy, FirstMatchingRuleWins) {
  // huge.bias is 1-D and above the threshold: the rank rule comes first.
  const auto c =
      CompressionPolicy::parse("rank<=1 -> identity; numel>2^16 -> int8; default -> fp16")
          .apply(net());
  EXPECT_EQ(assigned_specs(*c),
            (std::vector<std::string>{kInt8, "fp16", kId, kId, "fp16", kId, kId}));
  // The other order sends huge.bias as int8.
  const auto d =
      CompressionPolicy::parse("numel>2^16 -> int8; rank<=1 -> identity; default -> fp16")
          .apply(net());
  EXPECT_EQ(d->codec(5).spec(), kInt8);
  EXPECT_EQ(d->codec(6).spec(), kId);  // the scalar has rank 0
}

TEST(CompressionPolicy, NamePatternsAndConjunctions) {
  const auto c = CompressionPolicy::parse(
                     "name=encoder.*.ln.* -> identity:precision=64; "
                     "name=encoder.? -> bf16; "
                     "name=encoder.*.weight & rank=2 & numel<=4096 -> topk:k=8; "
                     "name=*.weight -> int8; * -> fp16")
                     .apply(net());
  EXPECT_EQ(assigned_specs(*c), (std::vector<std::string>{
                                    "fp16", kInt8, "identity:precision=64", "identity:precision=64",
                                    "topk:k=8,precision=32", "fp16", "fp16"}));
  // The '*' rule leaves nothing for the default.
  for (const auto& tc : c->assignment()) EXPECT_NE(tc.origin, "default");
}

TEST(CompressionPolicy, DefaultIsIdentityWhenNotGiven) {
  const CompressionPolicy p = CompressionPolicy::parse("name=nothing.matches -> int8");
  EXPECT_EQ(p.default_codec(), kId);
  const auto c = p.apply(net());
  for (const auto& tc : c->assignment()) {
    EXPECT_EQ(tc.codec->spec(), kId);
    EXPECT_EQ(tc.origin, "default");
  }
  EXPECT_EQ(CompressionPolicy().text(), "default -> " + kId);
  EXPECT_EQ(CompressionPolicy().match(net()[0]), 0u);  // no rules: index 0 is the default
}

TEST(CompressionPolicy, AssignmentIsInspectable) {
  const CompressionPolicy p =
      CompressionPolicy::parse(" rank <= 1 -> identity ;numel>2^16&name=emb* -> int8;");
  EXPECT_EQ(p.match(net()[2]), 0u);
  EXPECT_EQ(p.match(net()[0]), 1u);
  EXPECT_EQ(p.match(net()[1]), 2u);  // the default
  const auto c = p.apply(net());
  EXPECT_EQ(c->assignment()[2].origin, "rule 1: rank<=1");
  EXPECT_EQ(c->assignment()[0].origin, "rule 2: numel>65536 & name=emb*");
  EXPECT_EQ(c->assignment()[1].origin, "default");
  EXPECT_EQ(c->spec(), "layered{" + p.text() + "}");
  const std::string table = c->describe();
  EXPECT_THAT(table, HasSubstr("embeddings.word [1000, 70] 70000 -> " + kInt8 +
                               " (rule 2: numel>65536 & name=emb*)\n"));
  EXPECT_THAT(table, HasSubstr("temperature [] 1 -> " + kId + " (rule 1: rank<=1)\n"));
  // The same codec object serves every tensor of a rule.
  EXPECT_EQ(c->assignment()[2].codec, c->assignment()[3].codec);
}

TEST(CompressionPolicy, TextIsCanonicalAndRoundTrips) {
  const CompressionPolicy p =
      CompressionPolicy::parse("rank<=1->identity;numel > 2^16 -> int8 ; default -> topk:k=3");
  const std::string canonical =
      "rank<=1 -> " + kId + "; numel>65536 -> " + kInt8 + "; default -> topk:k=3,precision=32";
  EXPECT_EQ(p.text(), canonical);
  EXPECT_EQ(CompressionPolicy::parse(p.text()).text(), canonical);
}

TEST(CompressionPolicy, SyntaxErrorsNameTheRule) {
  EXPECT_THAT(invalid(""), HasSubstr("empty"));
  EXPECT_THAT(invalid(" ; ; "), HasSubstr("empty"));
  EXPECT_THAT(invalid("rank<=1 -> identity; int8"),
              AllOf(HasSubstr("rule 2 'int8'"), HasSubstr("CONDITIONS -> CODEC")));
  EXPECT_THAT(invalid("size>5 -> int8"),
              AllOf(HasSubstr("rule 1 'size>5 -> int8'"), HasSubstr("unknown condition 'size>5'"),
                    HasSubstr("numel OP N")));
  EXPECT_THAT(invalid("numel>lots -> int8"),
              AllOf(HasSubstr("rule 1"), HasSubstr("'lots' is not a non-negative integer")));
  EXPECT_THAT(invalid("numel>2^64 -> int8"), HasSubstr("'2^64'"));
  EXPECT_THAT(invalid("numel>99999999999999999999 -> int8"), HasSubstr("not a non-negative"));
  EXPECT_THAT(invalid("numel 5 -> int8"), HasSubstr("needs a comparison"));
  EXPECT_THAT(invalid("rank<=1 -> "), AllOf(HasSubstr("rule 1"), HasSubstr("no codec")));
  EXPECT_THAT(invalid(" -> int8"), HasSubstr("empty condition"));
  EXPECT_THAT(invalid("rank<=1 & -> int8"), HasSubstr("empty condition"));
  EXPECT_THAT(invalid("name= -> int8"), HasSubstr("non-empty glob"));
  EXPECT_THAT(invalid("default -> int8; rank<=1 -> identity"),
              AllOf(HasSubstr("rule 2"), HasSubstr("follows the 'default' rule")));
  EXPECT_THAT(invalid("default -> int8; default -> fp16"), HasSubstr("follows the 'default'"));
}

TEST(CompressionPolicy, CodecErrorsNameTheRule) {
  EXPECT_THAT(invalid("rank<=1 -> identity; numel>10 -> int9"),
              AllOf(HasSubstr("rule 2 'numel>10 -> int9'"), HasSubstr("unknown codec 'int9'")));
  EXPECT_THAT(invalid("rank<=1 -> int8:block=0"), AllOf(HasSubstr("rule 1"), HasSubstr("block")));
  EXPECT_THAT(invalid("rank<=1 -> identity; default -> topk"),
              AllOf(HasSubstr("rule 2 'default -> topk'"), HasSubstr("k")));
  // Rules built in code are validated alike.
  try {
    CompressionPolicy({PolicyRule{{}, "int8"}});
    ADD_FAILURE() << "a rule without conditions was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr("rule 1"), HasSubstr("no condition")));
  }
  EXPECT_THROW(CompressionPolicy({}, "nope"), InvalidArgument);
}

TEST(CompressionPolicy, ACodecThatCannotCompressItsTensorIsReportedByApply) {
  const CompressionPolicy p = CompressionPolicy::parse("rank<=1 -> topk:k=300; default -> fp16");
  try {
    p.apply(net());
    ADD_FAILURE() << "topk:k=300 accepted for a 256-entry tensor";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(std::string(e.what()),
                AllOf(HasSubstr("rule 1 'rank<=1 -> topk:k=300,precision=32'"),
                      HasSubstr("tensor 'encoder.0.ln.weight' [256] (256 entries)")));
  }
  const CompressionPolicy q = CompressionPolicy::parse("default -> topk:k=2");
  try {
    q.apply(net());
    ADD_FAILURE() << "topk:k=2 accepted for a scalar";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr("default"), HasSubstr("'temperature'")));
  }
}

TEST(CompressionPolicy, LayoutsWithGapsAreRejected) {
  const ParamLayout gappy({{"a", 0, {4}}, {"b", 6, {4}}});
  try {
    CompressionPolicy().apply(gappy);
    ADD_FAILURE() << "a layout with a gap was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("entries [4, 6)"));
  }
}

}  // namespace
}  // namespace dcopt

namespace dcopt {
namespace {

TEST(CompressionPolicy, MixedEightBitLeavesSmallTensorsExactOnTheRaceCnn) {
  // The race CNN's layout; "mixed 8-bit" quantizes only fc1.weight (131072 > 2^16 entries).
  const ParamLayout layout = ParamLayout::packed({{"conv1.weight", {32, 1, 5, 5}},
                                                  {"conv1.bias", {32}},
                                                  {"conv2.weight", {64, 32, 5, 5}},
                                                  {"conv2.bias", {64}},
                                                  {"fc1.weight", {128, 1024}},
                                                  {"fc1.bias", {128}},
                                                  {"fc2.weight", {10, 128}},
                                                  {"fc2.bias", {10}}});
  ASSERT_EQ(layout.size(), 184586u);
  const auto codec = CompressionPolicy::parse("numel>2^16 -> int8").apply(layout);
  std::vector<float> x(layout.size());
  Rng gen(11, Purpose::test);
  for (float& v : x) v = static_cast<float>(gen.normal());
  Rng rng(3, Purpose::test);
  const Message m = codec->encode(std::span<const float>(x), rng);
  std::vector<float> y(layout.size(), 0.0f);
  codec->decode(m.bytes, std::span<float>(y), Rng(3, Purpose::test));
  const std::size_t fc1 = layout.index_of("fc1.weight");
  double err = 0, norm = 0;
  for (std::size_t t = 0; t < layout.num_tensors(); ++t) {
    const auto a = layout.view(std::span<const float>(x), t);
    const auto b = layout.view(std::span<const float>(y), t);
    for (std::size_t j = 0; j < a.size(); ++j) {
      if (t == fc1) {
        err += (double(a[j]) - b[j]) * (double(a[j]) - b[j]);
        norm += double(a[j]) * a[j];
      } else {
        ASSERT_EQ(a[j], b[j]) << layout[t].name << " entry " << j;  // fp32 values, bit for bit
      }
    }
  }
  // The quantized tensor is close but not exact (8 bits per entry).
  EXPECT_GT(err, 0.0);
  EXPECT_LT(err, 1e-2 * norm);
  EXPECT_LT(m.bits, 32u * (layout.size() - 131072) + 9u * 131072);
}

TEST(CompressionPolicy, MixedEightBitSendsTensorsAtOrBelowTheThresholdExactlyOnAlbert) {
  // The layout of the MASHA experiment's ALBERT (examples/masha, docs/RESULTS.md) with the
  // threshold scaled to its size, 2^12: position_embeddings has exactly 2^12 entries and must
  // travel exactly, like every bias and LayerNorm; 4097 entries are already quantized.
  const ParamLayout layout = ParamLayout::packed({{"mlm_bias", {8000}},
                                                  {"word_embeddings.weight", {8000, 64}},
                                                  {"position_embeddings.weight", {64, 64}},
                                                  {"embedding_norm.weight", {64}},
                                                  {"shared_layer.query.weight", {128, 128}},
                                                  {"shared_layer.query.bias", {128}},
                                                  {"shared_layer.ffn_in.weight", {512, 128}},
                                                  {"one_more", {4097}}});
  const auto codec = CompressionPolicy::parse("numel>2^12 -> int8").apply(layout);
  std::vector<float> x(layout.size());
  Rng gen(12, Purpose::test);
  for (float& v : x) v = static_cast<float>(1e-3 * gen.normal());
  Rng rng(4, Purpose::test);
  const Message m = codec->encode(std::span<const float>(x), rng);
  std::vector<float> y(layout.size(), 0.0f);
  codec->decode(m.bytes, std::span<float>(y), Rng(4, Purpose::test));
  std::uint64_t dense_bits = 0;
  for (std::size_t t = 0; t < layout.num_tensors(); ++t) {
    const auto a = layout.view(std::span<const float>(x), t);
    const auto b = layout.view(std::span<const float>(y), t);
    std::size_t differ = 0;
    for (std::size_t j = 0; j < a.size(); ++j) differ += a[j] != b[j];
    if (layout[t].numel() <= 4096) {
      EXPECT_EQ(differ, 0u) << layout[t].name << " (" << layout[t].numel() << " entries)";
      dense_bits += 32 * layout[t].numel();
    } else {
      EXPECT_GT(differ, 0u) << layout[t].name << " should be quantized";
    }
  }
  // The dense part costs its fp32 values; the quantized tensors about 8 bits per entry.
  EXPECT_GT(m.bits, dense_bits + 8 * (layout.size() - dense_bits / 32));
  EXPECT_LT(m.bits, dense_bits + 9 * (layout.size() - dense_bits / 32));
}

}  // namespace
}  // namespace dcopt

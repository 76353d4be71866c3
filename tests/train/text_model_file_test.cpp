// model.bin: round trip, damage, and loading pre-trained weights into a fine-tuning network
// (the head fresh, everything else copied; another architecture or tokenizer refused).
#include "dcopt/train/text_model_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "dcopt/core/error.hpp"
#include "dcopt/train/text_model.hpp"

namespace dcopt::train {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TransformerConfig tiny(int hidden, int labels) {
  TransformerConfig c = default_transformer_config("bert", 40, labels);
  c.hidden = c.embedding = hidden;
  c.layers = 1;
  c.heads = 2;
  c.ffn = 2 * hidden;
  c.max_positions = 16;
  c.mlm_head = labels == 0;
  return c;
}

TextModelFile file_of(TextModel& m, std::uint64_t fingerprint) {
  TextModelFile f;
  f.config = m.net().config();
  f.tokenizer_fingerprint = fingerprint;
  f.layout = m.flat().layout();
  f.params.assign(m.flat().params().begin(), m.flat().params().end());
  return f;
}

template <class F>
std::string data_error(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "no DataError";
}

TEST(TextModelFile, RoundTripsEveryFieldAndWeight) {
  TextModel m(tiny(16, 0), 7);
  const TextModelFile f = file_of(m, 0x1234);
  const TextModelFile g = decode_text_model(encode_text_model(f), "model.bin");
  EXPECT_EQ(g.config.describe(), f.config.describe());
  EXPECT_EQ(g.config.hidden_dropout, f.config.hidden_dropout);
  EXPECT_EQ(g.tokenizer_fingerprint, 0x1234u);
  EXPECT_EQ(g.layout, f.layout);
  EXPECT_EQ(g.params, f.params);
}

TEST(TextModelFile, DetectsDamageTruncationAndOtherFiles) {
  TextModel m(tiny(16, 0), 7);
  std::string bytes = encode_text_model(file_of(m, 1));
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_THAT(data_error([&] { decode_text_model(flipped, "m.bin"); }),
              AllOf(HasSubstr("m.bin"), HasSubstr("damaged")));
  EXPECT_THAT(data_error([&] { decode_text_model(bytes.substr(0, bytes.size() - 9), "m.bin"); }),
              HasSubstr("m.bin"));
  EXPECT_THAT(data_error([&] { decode_text_model("not a model at all", "m.bin"); }),
              HasSubstr("m.bin"));
  EXPECT_THAT(data_error([&] { read_text_model("/nonexistent/model.bin"); }),
              HasSubstr("cannot read"));
}

TEST(TextModelFile, FineTuningCopiesTheEncoderAndKeepsAFreshHead) {
  TextModel pre(tiny(16, 0), 7);
  // Make the pre-trained weights differ from any seed's initialization.
  for (float& x : pre.flat().params()) x += 0.25f;
  const TextModelFile f = file_of(pre, 99);
  TextModel fine(tiny(16, 2), 8);
  const std::vector<float> init(fine.flat().params().begin(), fine.flat().params().end());
  const std::size_t copied = load_pretrained_weights(f, "pt/model.bin", 99, fine.flat());
  const ParamLayout& L = fine.flat().layout();
  std::size_t heads = 0;
  for (std::size_t t = 0; t < L.num_tensors(); ++t) {
    const bool head = L[t].name.rfind("classifier.", 0) == 0 || L[t].name.rfind("pooler.", 0) == 0;
    heads += head ? 1 : 0;
    const auto mine = L.view(fine.flat().params(), t);
    if (head) {
      EXPECT_TRUE(std::equal(mine.begin(), mine.end(), init.begin() + L[t].offset)) << L[t].name;
    } else {
      const auto theirs =
          f.layout.view(std::span<const float>(f.params), f.layout.index_of(L[t].name));
      EXPECT_TRUE(std::equal(mine.begin(), mine.end(), theirs.begin())) << L[t].name;
    }
  }
  EXPECT_EQ(heads, 4u);  // pooler and classifier, weight and bias
  EXPECT_EQ(copied, L.num_tensors() - heads);
}

TEST(TextModelFile, RefusesAnotherArchitectureOrTokenizer) {
  TextModel pre(tiny(16, 0), 7);
  const TextModelFile f = file_of(pre, 99);
  TextModel wider(tiny(32, 2), 8);
  EXPECT_THAT(data_error([&] { load_pretrained_weights(f, "pt/model.bin", 99, wider.flat()); }),
              AllOf(HasSubstr("pt/model.bin"), HasSubstr("another architecture"),
                    HasSubstr("[40, 16]"), HasSubstr("[40, 32]")));
  TextModel fine(tiny(16, 2), 8);
  EXPECT_THAT(data_error([&] { load_pretrained_weights(f, "pt/model.bin", 98, fine.flat()); }),
              AllOf(HasSubstr("another tokenizer"), HasSubstr("tokenizer.model")));
}

}  // namespace
}  // namespace dcopt::train

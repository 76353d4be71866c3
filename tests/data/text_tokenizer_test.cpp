#include "dcopt/data/text_tokenizer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sentencepiece_trainer.h>

#include <string>
#include <unordered_map>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/data/glue_reader.hpp"
#include "dcopt/data/text_corpus.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

// The first 500 SST-2 training sentences, read once.
const std::vector<std::string>& sst2_500() {
  static const std::vector<std::string> s = [] {
    GlueReadOptions o;
    o.max_rows = 500;
    return corpus_from_glue(read_glue_tsv(std::string(DCOPT_SHARED_DATA) + "/glue/SST-2/train.tsv",
                                          glue_task("sst2"), o))
        .sentences;
  }();
  return s;
}

TokenizerTrainOptions small(TokenizerModel model, std::size_t vocab = 500) {
  TokenizerTrainOptions o;
  o.model = model;
  o.vocab_size = vocab;
  return o;
}

TEST(TextTokenizer, TrainsSilentlyWithSpecialsAtTheirIds) {
  ::testing::internal::CaptureStderr();
  const TextTokenizer t = TextTokenizer::train(sst2_500(), small(TokenizerModel::unigram));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");  // SentencePiece logs every training step unless silenced
  EXPECT_LE(t.vocab_size(), 500u);
  EXPECT_GT(t.vocab_size(), 300u);
  EXPECT_EQ(t.id_to_piece(kPadId), "[PAD]");
  EXPECT_EQ(t.id_to_piece(kUnkId), "[UNK]");
  EXPECT_EQ(t.id_to_piece(kClsId), "[CLS]");
  EXPECT_EQ(t.id_to_piece(kSepId), "[SEP]");
  EXPECT_EQ(t.id_to_piece(kMaskId), "[MASK]");
  EXPECT_THROW(t.id_to_piece(static_cast<std::int32_t>(t.vocab_size())), InvalidArgument);
  // Text never encodes to a control id, even when it spells one.
  for (std::int32_t id : t.encode("the [CLS] film [SEP] is [MASK] [PAD] good")) {
    EXPECT_TRUE(id == kUnkId || id >= kNumSpecialIds) << id;
    EXPECT_LT(static_cast<std::size_t>(id), t.vocab_size());
  }
  const std::vector<std::int32_t> ids = t.encode("hide new secretions from the parental units ");
  EXPECT_FALSE(ids.empty());
  EXPECT_EQ(t.decode(ids), "hide new secretions from the parental units");
  EXPECT_TRUE(t.encode("").empty());
}

TEST(TextTokenizer, TrainingIsDeterministic) {
  for (TokenizerModel m : {TokenizerModel::unigram, TokenizerModel::bpe}) {
    const TextTokenizer x = TextTokenizer::train(sst2_500(), small(m));
    const TextTokenizer y = TextTokenizer::train(sst2_500(), small(m));
    EXPECT_EQ(x.bytes(), y.bytes()) << (m == TokenizerModel::bpe ? "bpe" : "unigram");
    EXPECT_EQ(x.fingerprint(), y.fingerprint());
  }
}

TEST(TextTokenizer, BytesRoundTrip) {
  const TextTokenizer t = TextTokenizer::train(sst2_500(), small(TokenizerModel::bpe));
  EXPECT_EQ(t.fingerprint(), fnv1a64(t.bytes()));
  const TextTokenizer u = TextTokenizer::from_bytes(t.bytes(), "<checkpoint>");
  EXPECT_EQ(u.bytes(), t.bytes());
  EXPECT_EQ(u.fingerprint(), t.fingerprint());
  EXPECT_EQ(u.vocab_size(), t.vocab_size());
  for (const std::string& s : sst2_500()) ASSERT_EQ(u.encode(s), t.encode(s)) << s;
  const TextTokenizer copy = u;  // copies share the model
  EXPECT_EQ(copy.encode("a gorgeous film"), t.encode("a gorgeous film"));
}

TEST(TextTokenizer, FingerprintDiffersWithVocabSizeAndModel) {
  const TextTokenizer a = TextTokenizer::train(sst2_500(), small(TokenizerModel::unigram, 500));
  const TextTokenizer b = TextTokenizer::train(sst2_500(), small(TokenizerModel::unigram, 400));
  const TextTokenizer c = TextTokenizer::train(sst2_500(), small(TokenizerModel::bpe, 500));
  EXPECT_NE(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
  EXPECT_LE(b.vocab_size(), 400u);
}

std::string load_error(std::string_view bytes) {
  try {
    TextTokenizer::from_bytes(bytes, "ckpt/tokenizer");
  } catch (const DataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded bad bytes";
  return "";
}

TEST(TextTokenizer, BadBytesAreAClearError) {
  EXPECT_THAT(load_error("not a model"),
              HasSubstr("ckpt/tokenizer: not a SentencePiece tokenizer model (11 bytes)"));
  EXPECT_THAT(load_error(""), HasSubstr("ckpt/tokenizer: not a"));
  // A truncated model.
  const TextTokenizer t = TextTokenizer::train(sst2_500(), small(TokenizerModel::unigram));
  EXPECT_THAT(load_error(std::string_view(t.bytes()).substr(0, t.bytes().size() / 2)),
              HasSubstr("ckpt/tokenizer: not a"));
}

TEST(TextTokenizer, ForeignModelWithoutOurSpecialsIsRejected) {
  // A SentencePiece model with its default specials (<unk>=0, <s>=1, </s>=2).
  struct It : sentencepiece::SentenceIterator {
    const std::vector<std::string>& v;
    std::size_t i = 0;
    explicit It(const std::vector<std::string>& s) : v(s) {}
    bool done() const override { return i >= v.size(); }
    void Next() override { ++i; }
    const std::string& value() const override { return v[i]; }
    sentencepiece::util::Status status() const override { return {}; }
  } it(sst2_500());
  std::string bytes;
  const std::unordered_map<std::string, std::string> args = {
      {"vocab_size", "300"}, {"num_threads", "1"}, {"minloglevel", "2"}};
  ASSERT_TRUE(sentencepiece::SentencePieceTrainer::Train(args, &it, &bytes).ok());
  EXPECT_THAT(load_error(bytes), HasSubstr("ckpt/tokenizer: not a dcopt tokenizer model: piece 0 "
                                           "is '<unk>'; expected the special piece [PAD]"));
}

TEST(TextTokenizer, BadTrainingOptions) {
  EXPECT_THROW(TextTokenizer::train(sst2_500(), small(TokenizerModel::unigram, 5)),
               InvalidArgument);
  const std::vector<std::string> empty = {"", ""};
  EXPECT_THROW(TextTokenizer::train(empty, small(TokenizerModel::unigram)), InvalidArgument);
  TokenizerTrainOptions o = small(TokenizerModel::unigram);
  o.character_coverage = 0.0;
  EXPECT_THROW(TextTokenizer::train(sst2_500(), o), InvalidArgument);
}

}  // namespace
}  // namespace dcopt

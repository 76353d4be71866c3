#include "dcopt/data/text_batch.hpp"

#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

// BERT's loop, literally: pop from the longer, from b on ties.
std::pair<std::size_t, std::size_t> truncate_by_loop(std::size_t a, std::size_t b,
                                                     std::size_t budget) {
  while (a + b > budget) {
    if (a > b) {
      --a;
    } else {
      --b;
    }
  }
  return {a, b};
}

TEST(TextBatch, TruncationIsLongestFirst) {
  for (std::size_t a = 0; a <= 12; ++a) {
    for (std::size_t b = 0; b <= 12; ++b) {
      for (std::size_t budget = 0; budget <= 26; ++budget) {
        ASSERT_EQ(truncate_longest_first(a, b, budget), truncate_by_loop(a, b, budget))
            << a << " " << b << " " << budget;
      }
    }
  }
  EXPECT_EQ(truncate_longest_first(10, 2, 8), (std::pair<std::size_t, std::size_t>{6, 2}));
  EXPECT_EQ(truncate_longest_first(5, 5, 7), (std::pair<std::size_t, std::size_t>{4, 3}));
}

// Hand-made token ids (>= kNumSpecialIds), no tokenizer needed.
TokenizedDataset pairs() {
  TokenizedDataset d;
  d.a.push_back(std::vector<std::int32_t>{10, 11, 12, 13, 14, 15});
  d.b.push_back(std::vector<std::int32_t>{20, 21});
  d.a.push_back(std::vector<std::int32_t>{30});
  d.b.push_back(std::vector<std::int32_t>{40, 41});
  d.labeled = true;
  d.label_ids = {1, 0};
  d.vocab_size = 50;
  return d;
}

TEST(TextBatch, PairsWithSegmentsPaddingAndMasks) {
  const TokenizedDataset d = pairs();
  const std::vector<std::uint32_t> idx = {0, 1};
  const TextBatch b = make_text_batch(d, idx, 128);
  ASSERT_EQ(b.rows, 2u);
  ASSERT_EQ(b.cols, 11u);  // 6 + 2 + 3 specials: the longest row, not max_len
  EXPECT_EQ(b.input_ids,
            (std::vector<std::int64_t>{
                kClsId, 10, 11,     12, 13, 14,     15,     kSepId, 20,     21,
                kSepId,  //
                kClsId, 30, kSepId, 40, 41, kSepId, kPadId, kPadId, kPadId, kPadId, kPadId}));
  EXPECT_EQ(b.segment_ids, (std::vector<std::int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1,  //
                                                      0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(b.attention_mask, (std::vector<std::int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                                         1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(b.label_ids, (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(b.truncated_rows, 0u);
  EXPECT_EQ(b.at(b.input_ids, 1, 3), 40);
}

TEST(TextBatch, TruncatesToMaxLenLongestFirst) {
  const TokenizedDataset d = pairs();
  const std::vector<std::uint32_t> idx = {0, 1};
  // Budget 8 - 3 = 5: row 0 (6, 2) keeps (3, 2); row 1 (1, 2) fits.
  const TextBatch b = make_text_batch(d, idx, 8);
  ASSERT_EQ(b.cols, 8u);
  EXPECT_EQ(b.truncated_rows, 1u);
  EXPECT_EQ(b.input_ids,
            (std::vector<std::int64_t>{kClsId, 10, 11, 12, kSepId, 20, 21, kSepId,  //
                                       kClsId, 30, kSepId, 40, 41, kSepId, kPadId, kPadId}));
  EXPECT_EQ(b.segment_ids, (std::vector<std::int64_t>{0, 0, 0, 0, 0, 1, 1, 1,  //
                                                      0, 0, 0, 1, 1, 1, 0, 0}));
  // Only [CLS] [SEP] [SEP] fit.
  const TextBatch tiny = make_text_batch(d, idx, 3);
  EXPECT_EQ(tiny.input_ids,
            (std::vector<std::int64_t>{kClsId, kSepId, kSepId, kClsId, kSepId, kSepId}));
  EXPECT_THROW(make_text_batch(d, idx, 2), InvalidArgument);
}

TEST(TextBatch, SingleSentencesAndOrder) {
  TokenizedDataset d;
  d.a.push_back(std::vector<std::int32_t>{7, 8, 9});
  d.a.push_back(std::vector<std::int32_t>{});
  d.labeled = true;
  d.targets = {0.5f, 4.0f};
  const std::vector<std::uint32_t> idx = {1, 0};  // the batch's order, not the dataset's
  const TextBatch b = make_text_batch(d, idx, 4);
  ASSERT_EQ(b.cols, 4u);  // 3 ids truncated to 2, plus [CLS] and [SEP]
  EXPECT_EQ(b.input_ids, (std::vector<std::int64_t>{kClsId, kSepId, kPadId, kPadId,  //
                                                    kClsId, 7, 8, kSepId}));
  EXPECT_EQ(b.segment_ids, std::vector<std::int64_t>(8, 0));
  EXPECT_EQ(b.attention_mask, (std::vector<std::int64_t>{1, 1, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(b.targets, (std::vector<float>{4.0f, 0.5f}));
  EXPECT_TRUE(b.label_ids.empty());
  EXPECT_THROW(make_text_batch(d, idx, 1), InvalidArgument);
  const std::vector<std::uint32_t> bad = {2};
  EXPECT_THROW(make_text_batch(d, bad, 8), InvalidArgument);
  EXPECT_THROW(make_text_batch(d, {}, 8), InvalidArgument);
}

TEST(TextBatch, TokenizeDatasetOnce) {
  TextDataset text;
  text.a = {"a good film", "bad"};
  text.b = {"yes", "no at all"};
  text.labeled = true;
  text.label_ids = {1, 0};
  std::vector<std::string> corpus;
  for (int i = 0; i < 50; ++i) {
    corpus.push_back("a good film and a bad film");
    corpus.push_back("yes no at all, not at all");
  }
  TokenizerTrainOptions o;
  o.vocab_size = 40;
  const TextTokenizer t = TextTokenizer::train(corpus, o);
  const TokenizedDataset d = tokenize_dataset(text, t);
  ASSERT_EQ(d.size(), 2u);
  ASSERT_TRUE(d.is_pair());
  EXPECT_EQ(d.tokenizer_fingerprint, t.fingerprint());
  EXPECT_EQ(d.vocab_size, t.vocab_size());
  const auto a1 = d.a[1];
  EXPECT_EQ(std::vector<std::int32_t>(a1.begin(), a1.end()), t.encode("bad"));
  const auto b1 = d.b[1];
  EXPECT_EQ(std::vector<std::int32_t>(b1.begin(), b1.end()), t.encode("no at all"));
  EXPECT_EQ(d.label_ids, text.label_ids);
}

}  // namespace
}  // namespace dcopt

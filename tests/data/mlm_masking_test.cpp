#include "dcopt/data/mlm_masking.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

constexpr std::size_t kVocab = 1000;

// rows of [CLS] t_1 .. t_len [SEP] [PAD]..., lengths varying so that rows have padding; the
// tokens are uniform ordinary ids, with an [UNK] in every row.
TextBatch long_rows(std::size_t rows, std::size_t max_tokens) {
  TextBatch b;
  b.rows = rows;
  b.cols = max_tokens + 2;
  b.input_ids.assign(b.rows * b.cols, kPadId);
  b.segment_ids.assign(b.rows * b.cols, 0);
  b.attention_mask.assign(b.rows * b.cols, 0);
  Rng rng(7, Purpose::test);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t len = max_tokens - r % 4;
    std::int64_t* ids = b.input_ids.data() + r * b.cols;
    ids[0] = kClsId;
    for (std::size_t c = 1; c <= len; ++c) {
      ids[c] = kNumSpecialIds + static_cast<std::int64_t>(rng.below(kVocab - kNumSpecialIds));
    }
    ids[len / 2] = kUnkId;
    ids[len + 1] = kSepId;
    std::fill(b.attention_mask.begin() + static_cast<std::ptrdiff_t>(r * b.cols),
              b.attention_mask.begin() + static_cast<std::ptrdiff_t>(r * b.cols + len + 2), 1);
  }
  return b;
}

// |x - n p| within z standard deviations of Binomial(n, p).
void expect_binomial(std::size_t x, std::size_t n, double p, const char* what) {
  const double mean = static_cast<double>(n) * p;
  const double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
  // 4.5 sigma: a correct implementation fails with probability below 1e-5 for a random seed;
  // the seed is fixed, so the test is deterministic. A wrong rate is far outside: selection
  // 0.14 instead of 0.15 is 6 sigma away at ~50k maskable tokens, [MASK] 0.75 instead of 0.8
  // 11 sigma at ~7.5k selected.
  EXPECT_LE(std::abs(static_cast<double>(x) - mean), 4.5 * sd)
      << what << ": " << x << " of " << n << ", expected " << mean << " +- " << sd;
}

TEST(MlmMasking, RatesLabelsAndSpecials) {
  const TextBatch original = long_rows(400, 126);
  TextBatch b = original;
  Rng rng(2024, Purpose::masking, 0, 0);
  const MlmMasking m = apply_mlm_masking(b, kVocab, rng);
  ASSERT_EQ(m.labels.size(), b.rows * b.cols);

  std::size_t maskable = 0, selected = 0, masked = 0, replaced = 0, same = 0;
  for (std::size_t i = 0; i < b.input_ids.size(); ++i) {
    const std::int64_t before = original.input_ids[i];
    const bool ordinary = original.attention_mask[i] == 1 && before >= kNumSpecialIds;
    maskable += ordinary;
    if (!ordinary) {
      // Padding, [CLS], [SEP], [UNK]: never selected, never changed.
      EXPECT_EQ(m.labels[i], kMlmIgnore) << i;
      EXPECT_EQ(b.input_ids[i], before) << i;
      continue;
    }
    if (m.labels[i] == kMlmIgnore) {
      EXPECT_EQ(b.input_ids[i], before) << i;
      continue;
    }
    ++selected;
    EXPECT_EQ(m.labels[i], before) << i;  // the label is the original id
    if (b.input_ids[i] == kMaskId) {
      ++masked;
    } else if (b.input_ids[i] != before) {
      ++replaced;
      EXPECT_GE(b.input_ids[i], kNumSpecialIds);
      EXPECT_LT(b.input_ids[i], static_cast<std::int64_t>(kVocab));
    } else {
      ++same;
    }
  }
  EXPECT_EQ(maskable, m.maskable);
  EXPECT_EQ(selected, m.selected);
  EXPECT_EQ(masked, m.to_mask);
  EXPECT_EQ(m.to_mask + m.to_random + m.kept, m.selected);
  // A random replacement draws the original id with probability 1/995: it looks kept.
  EXPECT_EQ(replaced + same, m.to_random + m.kept);
  EXPECT_LE(same - m.kept, 5u);
  EXPECT_GT(maskable, 49000u);
  expect_binomial(m.selected, m.maskable, 0.15, "selected");
  expect_binomial(m.to_mask, m.selected, 0.8, "[MASK]");
  expect_binomial(m.to_random, m.selected, 0.1, "random");
  expect_binomial(m.kept, m.selected, 0.1, "kept");
}

TEST(MlmMasking, SameStreamSameMasksOtherStreamOthers) {
  const TextBatch original = long_rows(20, 60);
  TextBatch x = original, y = original, z = original;
  Rng rx(5, Purpose::masking, 1, 9), ry(5, Purpose::masking, 1, 9), rz(5, Purpose::masking, 1, 10);
  const MlmMasking mx = apply_mlm_masking(x, kVocab, rx);
  const MlmMasking my = apply_mlm_masking(y, kVocab, ry);
  const MlmMasking mz = apply_mlm_masking(z, kVocab, rz);
  EXPECT_EQ(x.input_ids, y.input_ids);
  EXPECT_EQ(mx.labels, my.labels);
  EXPECT_NE(mx.labels, mz.labels);  // the next step masks elsewhere
}

TEST(MlmMasking, AtLeastOnePerRowWithAMaskableToken) {
  // 500 rows "[CLS] t [SEP]" (one maskable token each) and one row "[CLS] [UNK] [SEP]" (none).
  TextBatch b;
  b.rows = 501;
  b.cols = 3;
  for (std::size_t r = 0; r < b.rows; ++r) {
    const std::int64_t t = r == 500 ? kUnkId : 5 + static_cast<std::int64_t>(r % 900);
    b.input_ids.insert(b.input_ids.end(), {kClsId, t, kSepId});
    b.segment_ids.insert(b.segment_ids.end(), {0, 0, 0});
    b.attention_mask.insert(b.attention_mask.end(), {1, 1, 1});
  }
  TextBatch c = b;  // before masking: apply_mlm_masking corrupts its batch
  Rng rng(1, Purpose::masking);
  const MlmMasking m = apply_mlm_masking(b, kVocab, rng);
  for (std::size_t r = 0; r < 500; ++r) ASSERT_NE(m.labels[r * 3 + 1], kMlmIgnore) << r;
  EXPECT_EQ(m.labels[500 * 3 + 1], kMlmIgnore);
  EXPECT_EQ(m.selected, 500u);

  Rng rng2(1, Purpose::masking);
  MlmOptions off;
  off.at_least_one = false;
  const MlmMasking n = apply_mlm_masking(c, kVocab, rng2, off);
  EXPECT_EQ(n.maskable, 500u);
  expect_binomial(n.selected, 500, 0.15, "selected without the rule");
}

TEST(MlmMasking, BadArguments) {
  TextBatch b = long_rows(2, 10);
  Rng rng(1, Purpose::masking);
  EXPECT_THROW(apply_mlm_masking(b, kNumSpecialIds, rng), InvalidArgument);
  EXPECT_THROW(apply_mlm_masking(b, 100, rng), InvalidArgument);  // ids up to 999
  MlmOptions o;
  o.select_prob = 1.5;
  EXPECT_THROW(apply_mlm_masking(b, kVocab, rng, o), InvalidArgument);
  o = {};
  o.mask_fraction = 0.95;
  EXPECT_THROW(apply_mlm_masking(b, kVocab, rng, o), InvalidArgument);
}

}  // namespace
}  // namespace dcopt

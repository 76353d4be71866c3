#pragma once
// BERT's masked-language-model corruption of a TextBatch (Devlin et al. 2019, §3.1): every real,
// non-special token is selected with probability select_prob (0.15); a selected token becomes
// [MASK] with probability mask_fraction (0.8), a uniformly drawn ordinary token (ids
// kNumSpecialIds .. vocab_size - 1) with probability random_fraction (0.1), and stays as it is
// otherwise (0.1). The labels are the original ids at selected positions and kMlmIgnore (-100,
// cross-entropy's ignore_index in torch) everywhere else.
//
// Never selected: padding and the special pieces [PAD] [UNK] [CLS] [SEP] [MASK] (predicting
// [UNK] teaches nothing). At least one per row: a row with a maskable token but no selected one
// gets one, chosen uniformly among its maskable tokens, so that every row contributes to the loss
// (short rows would otherwise often have none: a 5-token row has none with probability
// 0.85^5 = 44%). This lifts the selection rate above 0.15 only for short rows.
//
// Randomness comes only from `rng`; the caller names the stream, e.g.
// Rng(seed, Purpose::masking, rank, step), so the same seed, rank and step give the same masks on
// every machine. Draw order (fixed, part of the contract): row by row; in a row one uniform() per
// maskable token left to right (selected if < select_prob), then below(count) if none was
// selected, then per selected token left to right one uniform() (the 80/10/10 choice) and, for a
// random replacement, one below(vocab_size - kNumSpecialIds).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dcopt/core/rng.hpp"
#include "dcopt/data/text_batch.hpp"

namespace dcopt {

inline constexpr std::int64_t kMlmIgnore = -100;

struct MlmOptions {
  double select_prob = 0.15;
  double mask_fraction = 0.8;    ///< of the selected: -> [MASK]
  double random_fraction = 0.1;  ///< of the selected: -> a random ordinary token
  bool at_least_one = true;      ///< per row with a maskable token
};

struct MlmMasking {
  std::vector<std::int64_t> labels;  ///< rows * cols like the batch: original id or kMlmIgnore
  std::size_t maskable = 0;          ///< real ordinary tokens in the batch
  std::size_t selected = 0;
  std::size_t to_mask = 0;    ///< selected and replaced by [MASK]
  std::size_t to_random = 0;  ///< selected and replaced by a random token (maybe the same one)
  std::size_t kept = 0;       ///< selected and left unchanged
};

/// Corrupts batch.input_ids in place and returns the labels. `vocab_size` is the tokenizer's.
/// Throws InvalidArgument for probabilities outside [0, 1] (or mask + random fractions above 1),
/// a vocab_size of at most kNumSpecialIds, or a token id not below vocab_size.
MlmMasking apply_mlm_masking(TextBatch& batch, std::size_t vocab_size, Rng& rng,
                             const MlmOptions& options = {});

}  // namespace dcopt

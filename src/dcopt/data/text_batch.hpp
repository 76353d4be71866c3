#pragma once
// Model inputs from text examples, BERT style: each row is
//   [CLS] a [SEP]            (single sentence)   segment ids 0 ... 0
//   [CLS] a [SEP] b [SEP]    (sentence pair)     segment ids 0 ... 0 1 ... 1
// truncated to max_len tokens longest-first (BERT's rule: while too long, drop the last token of
// the longer of a and b, of b when they are equally long), then padded with [PAD] to the longest
// row of the batch (dynamic padding: a batch of short sentences is narrow, not max_len wide).
// A dataset is tokenized once (tokenize_dataset) so that batching never re-tokenizes.
// Plain row-major int64 vectors (the dtype torch's embedding and cross-entropy take), no torch.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "dcopt/data/text_dataset.hpp"
#include "dcopt/data/text_tokenizer.hpp"

namespace dcopt {

/// Token id sequences packed end to end (CSR): sequence i is ids[offsets[i], offsets[i+1]).
struct TokenSequences {
  std::vector<std::int32_t> ids;
  std::vector<std::size_t> offsets{0};

  std::size_t size() const { return offsets.size() - 1; }
  std::span<const std::int32_t> operator[](std::size_t i) const {
    return std::span<const std::int32_t>(ids).subspan(offsets[i], offsets[i + 1] - offsets[i]);
  }
  void push_back(std::span<const std::int32_t> seq) {
    ids.insert(ids.end(), seq.begin(), seq.end());
    offsets.push_back(ids.size());
  }
};

/// A TextDataset with its sentences tokenized (ids without specials) by one tokenizer.
struct TokenizedDataset {
  TokenSequences a;
  TokenSequences b;  ///< as many sequences as `a` for pair tasks; none otherwise
  bool labeled = false;
  std::vector<std::int32_t> label_ids;  ///< as TextDataset
  std::vector<float> targets;           ///< as TextDataset
  std::uint64_t tokenizer_fingerprint = 0;
  std::size_t vocab_size = 0;  ///< of the tokenizer

  std::size_t size() const { return a.size(); }
  bool is_pair() const { return b.size() != 0; }
};

/// Tokenizes every sentence of `data` once.
TokenizedDataset tokenize_dataset(const TextDataset& data, const TextTokenizer& tokenizer);

struct TextBatch {
  std::size_t rows = 0;
  std::size_t cols = 0;  ///< the longest row's length (<= max_len)
  /// rows * cols, row-major: token ids, [PAD] after the row's end.
  std::vector<std::int64_t> input_ids;
  /// rows * cols: 0 for [CLS] a [SEP], 1 for b [SEP], 0 on padding.
  std::vector<std::int64_t> segment_ids;
  /// rows * cols: 1 on real tokens, 0 on padding.
  std::vector<std::int64_t> attention_mask;
  /// rows: class ids of a labeled classification dataset; else empty.
  std::vector<std::int64_t> label_ids;
  /// rows: regression targets of a labeled regression dataset; else empty.
  std::vector<float> targets;
  std::size_t truncated_rows = 0;  ///< rows that lost tokens to max_len

  std::int64_t at(const std::vector<std::int64_t>& v, std::size_t r, std::size_t c) const {
    return v[r * cols + c];
  }
};

/// The batch of examples `indices` of `data` (in that order), rows at most `max_len` tokens.
/// Throws InvalidArgument if max_len is below 2 (single sentence) or 3 (pair): room for the
/// specials, or for an index out of range or an empty `indices`.
TextBatch make_text_batch(const TokenizedDataset& data, std::span<const std::uint32_t> indices,
                          std::size_t max_len);

/// BERT's longest-first truncation of a pair to at most `budget` tokens in total: returns the
/// kept lengths (ka, kb), each a prefix. Exposed for tests.
std::pair<std::size_t, std::size_t> truncate_longest_first(std::size_t len_a, std::size_t len_b,
                                                           std::size_t budget);

}  // namespace dcopt

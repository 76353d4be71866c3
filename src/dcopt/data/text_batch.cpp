#include "dcopt/data/text_batch.hpp"

#include <algorithm>
#include <string>

#include "dcopt/core/error.hpp"

namespace dcopt {

std::pair<std::size_t, std::size_t> truncate_longest_first(std::size_t len_a, std::size_t len_b,
                                                           std::size_t budget) {
  // Closed form of "pop from the longer (b on ties) until the total fits": both are cut toward
  // a common length; a keeps the extra token when the total is odd and a was the longer one.
  std::size_t ka = len_a, kb = len_b;
  if (ka + kb <= budget) return {ka, kb};
  std::size_t excess = ka + kb - budget;
  // First the longer one down to the shorter's length.
  if (ka > kb) {
    const std::size_t d = std::min(excess, ka - kb);
    ka -= d;
    excess -= d;
  } else if (kb > ka) {
    const std::size_t d = std::min(excess, kb - ka);
    kb -= d;
    excess -= d;
  }
  // Then alternately, b first (ties pop b): b loses ceil(excess/2), a floor(excess/2).
  kb -= (excess + 1) / 2;
  ka -= excess / 2;
  return {ka, kb};
}

TextBatch make_text_batch(const TokenizedDataset& data, std::span<const std::uint32_t> indices,
                          std::size_t max_len) {
  const bool pair = data.is_pair();
  const std::size_t specials = pair ? 3 : 2;
  if (max_len < specials) {
    throw InvalidArgument("max_len = " + std::to_string(max_len) + "; expected at least " +
                          std::to_string(specials) + " (room for [CLS] and [SEP]" +
                          (pair ? " twice)" : ")"));
  }
  if (indices.empty()) throw InvalidArgument("an empty batch; expected at least one example");
  const std::size_t budget = max_len - specials;
  TextBatch batch;
  batch.rows = indices.size();
  std::vector<std::pair<std::size_t, std::size_t>> kept(indices.size());
  for (std::size_t r = 0; r < indices.size(); ++r) {
    const std::size_t i = indices[r];
    if (i >= data.size()) {
      throw InvalidArgument("example index " + std::to_string(i) +
                            " out of range; the dataset has " + std::to_string(data.size()) +
                            " examples");
    }
    const std::size_t la = data.a[i].size();
    const std::size_t lb = pair ? data.b[i].size() : 0;
    kept[r] = truncate_longest_first(la, lb, budget);
    if (kept[r].first + kept[r].second < la + lb) ++batch.truncated_rows;
    batch.cols = std::max(batch.cols, kept[r].first + kept[r].second + specials);
  }
  const std::size_t n = batch.rows * batch.cols;
  batch.input_ids.assign(n, kPadId);
  batch.segment_ids.assign(n, 0);
  batch.attention_mask.assign(n, 0);
  for (std::size_t r = 0; r < indices.size(); ++r) {
    const std::size_t i = indices[r];
    std::int64_t* ids = batch.input_ids.data() + r * batch.cols;
    std::int64_t* seg = batch.segment_ids.data() + r * batch.cols;
    std::int64_t* mask = batch.attention_mask.data() + r * batch.cols;
    std::size_t c = 0;
    ids[c++] = kClsId;
    for (std::int32_t t : data.a[i].first(kept[r].first)) ids[c++] = t;
    ids[c++] = kSepId;
    if (pair) {
      const std::size_t b_start = c;
      for (std::int32_t t : data.b[i].first(kept[r].second)) ids[c++] = t;
      ids[c++] = kSepId;
      std::fill(seg + b_start, seg + c, 1);
    }
    std::fill(mask, mask + c, 1);
    if (data.labeled && !data.label_ids.empty()) batch.label_ids.push_back(data.label_ids[i]);
    if (data.labeled && !data.targets.empty()) batch.targets.push_back(data.targets[i]);
  }
  return batch;
}

}  // namespace dcopt

#include "dcopt/data/mlm_masking.hpp"

#include <string>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

void check_probability(double p, const char* name) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw InvalidArgument(std::string("MLM ") + name + " = " + std::to_string(p) +
                          "; expected a probability in [0, 1]");
  }
}

}  // namespace

MlmMasking apply_mlm_masking(TextBatch& batch, std::size_t vocab_size, Rng& rng,
                             const MlmOptions& options) {
  check_probability(options.select_prob, "select_prob");
  check_probability(options.mask_fraction, "mask_fraction");
  check_probability(options.random_fraction, "random_fraction");
  if (options.mask_fraction + options.random_fraction > 1.0) {
    throw InvalidArgument("MLM mask_fraction + random_fraction = " +
                          std::to_string(options.mask_fraction + options.random_fraction) +
                          "; expected at most 1");
  }
  if (vocab_size <= static_cast<std::size_t>(kNumSpecialIds)) {
    throw InvalidArgument("MLM vocab_size = " + std::to_string(vocab_size) +
                          "; expected more than the special pieces");
  }
  const std::uint64_t ordinary = vocab_size - static_cast<std::size_t>(kNumSpecialIds);
  const double random_below = options.mask_fraction + options.random_fraction;

  MlmMasking out;
  out.labels.assign(batch.rows * batch.cols, kMlmIgnore);
  std::vector<std::size_t> maskable;
  std::vector<std::size_t> selected;
  for (std::size_t r = 0; r < batch.rows; ++r) {
    std::int64_t* ids = batch.input_ids.data() + r * batch.cols;
    const std::int64_t* mask = batch.attention_mask.data() + r * batch.cols;
    maskable.clear();
    selected.clear();
    for (std::size_t c = 0; c < batch.cols; ++c) {
      if (mask[c] == 0 || ids[c] < kNumSpecialIds) continue;
      if (static_cast<std::uint64_t>(ids[c]) >= vocab_size) {
        throw InvalidArgument("token id " + std::to_string(ids[c]) + " at row " +
                              std::to_string(r) + ", column " + std::to_string(c) +
                              " is not below the vocab_size " + std::to_string(vocab_size));
      }
      maskable.push_back(c);
      if (rng.uniform() < options.select_prob) selected.push_back(c);
    }
    if (selected.empty() && !maskable.empty() && options.at_least_one) {
      selected.push_back(maskable[static_cast<std::size_t>(rng.below(maskable.size()))]);
    }
    out.maskable += maskable.size();
    out.selected += selected.size();
    std::int64_t* labels = out.labels.data() + r * batch.cols;
    for (std::size_t c : selected) {
      labels[c] = ids[c];
      const double v = rng.uniform();
      if (v < options.mask_fraction) {
        ids[c] = kMaskId;
        ++out.to_mask;
      } else if (v < random_below) {
        ids[c] = kNumSpecialIds + static_cast<std::int64_t>(rng.below(ordinary));
        ++out.to_random;
      } else {
        ++out.kept;
      }
    }
  }
  return out;
}

}  // namespace dcopt

#include "dcopt/train/text_task_oracle.hpp"

#include <algorithm>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt::train {
namespace {

torch::Tensor as_tensor(std::vector<std::int64_t>& v, const TextBatch& b) {
  return torch::from_blob(v.data(),
                          {static_cast<std::int64_t>(b.rows), static_cast<std::int64_t>(b.cols)},
                          torch::kInt64);
}

}  // namespace

TextInputs text_inputs(TextBatch& b) {
  TextInputs in;
  in.ids = as_tensor(b.input_ids, b);
  in.segments = as_tensor(b.segment_ids, b);
  in.attention_mask = as_tensor(b.attention_mask, b);
  const auto n = static_cast<std::int64_t>(b.rows);
  if (b.label_ids.size() == b.rows && b.rows > 0) {
    in.labels = torch::from_blob(b.label_ids.data(), {n}, torch::kInt64);
  } else if (b.targets.size() == b.rows && b.rows > 0) {
    in.labels = torch::from_blob(b.targets.data(), {n}, torch::kFloat32);
  } else {
    throw InvalidArgument("text_inputs: the batch has no labels (an unlabeled dataset)");
  }
  return in;
}

TextTaskOracle::TextTaskOracle(TextNetwork& net, FlatParameters& flat, const TokenizedDataset& data,
                               std::vector<std::uint32_t> shard, BatchLoader& loader,
                               const TextTaskOptions& options)
    : net_(net),
      flat_(flat),
      data_(data),
      shard_(std::move(shard)),
      loader_(loader),
      options_(options),
      perturbation_(options.perturbation),
      clean_([] {
        PerturbationOptions o;
        o.mode = PerturbationMode::none;
        return o;
      }()) {
  if (shard_.empty()) throw InvalidArgument("TextTaskOracle: empty shard");
  for (std::uint32_t r : shard_) {
    if (r >= data_.size()) {
      throw InvalidArgument("TextTaskOracle: shard row " + std::to_string(r) +
                            " outside the dataset of " + std::to_string(data_.size()));
    }
  }
  if (!data_.labeled) throw InvalidArgument("TextTaskOracle: the dataset is unlabeled");
  const int labels = net_.num_labels();
  if (labels == 1) {
    if (data_.targets.size() != data_.size()) {
      throw InvalidArgument(
          "TextTaskOracle: a regression head (1 output) needs regression targets");
    }
  } else if (labels >= 2) {
    if (data_.label_ids.size() != data_.size()) {
      throw InvalidArgument("TextTaskOracle: a " + std::to_string(labels) +
                            "-way head needs class ids");
    }
    for (std::int32_t y : data_.label_ids) {
      if (y < 0 || y >= labels) {
        throw InvalidArgument("TextTaskOracle: class id " + std::to_string(y) + " for a " +
                              std::to_string(labels) + "-way head");
      }
    }
  } else {
    throw InvalidArgument("TextTaskOracle: the network has no classification head");
  }
  if (data_.vocab_size > static_cast<std::size_t>(net_.vocab_size())) {
    throw InvalidArgument("TextTaskOracle: the dataset's tokenizer has " +
                          std::to_string(data_.vocab_size) + " ids; the network's vocabulary " +
                          std::to_string(net_.vocab_size()));
  }
  if (options_.max_len > static_cast<std::size_t>(net_.max_positions())) {
    throw InvalidArgument("TextTaskOracle: max_len " + std::to_string(options_.max_len) +
                          " beyond the network's " + std::to_string(net_.max_positions()) +
                          " positions");
  }
}

std::span<const float> TextTaskOracle::at(std::span<const float> x,
                                          std::span<const std::uint32_t> rows) {
  TextBatch batch = make_text_batch(data_, rows, options_.max_len);
  TextInputs in = text_inputs(batch);
  // Both words at every draw, active or not: the stream does not depend on t_s.
  Rng rng(options_.seed, Purpose::perturbation, options_.rank, draws_);
  in.dropout_seed = rng.next_u64();
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(rng.next_u64());
  ++draws_;
  const bool foreign = x.data() != flat_.params().data();
  if (foreign) {
    if (x.size() != flat_.size()) {
      throw InvalidArgument("TextTaskOracle: x has " + std::to_string(x.size()) +
                            " entries; the model " + std::to_string(flat_.size()));
    }
    saved_.assign(flat_.params().begin(), flat_.params().end());
    std::copy(x.begin(), x.end(), flat_.params().begin());
  }
  flat_.zero_grads();
  PerturbedStep step;
  try {
    step = perturbed_forward_backward(net_, in, active_ ? perturbation_ : clean_, gen);
  } catch (...) {
    if (foreign) std::copy(saved_.begin(), saved_.end(), flat_.params().begin());
    throw;
  }
  times_.forward_s += step.forward_s;
  times_.backward_s += step.backward_s;
  times_.perturbation_s += step.perturbation.seconds;
  last_divergence_ = step.perturbation.divergence;
  sample_grads_ += rows.size();
  tally_.loss_sum += step.task_loss;
  tally_.batches += 1;
  if (foreign) std::copy(saved_.begin(), saved_.end(), flat_.params().begin());
  return flat_.grads();
}

std::span<const float> TextTaskOracle::gradient(std::span<const float> x) {
  return at(x, loader_.next_batch());
}

std::span<const float> TextTaskOracle::minibatch_gradient(std::span<const float> x,
                                                          std::span<const std::uint32_t> idx) {
  rows_.resize(idx.size());
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] >= shard_.size()) {
      throw InvalidArgument("TextTaskOracle: sample " + std::to_string(idx[i]) +
                            " outside the shard of " + std::to_string(shard_.size()));
    }
    rows_[i] = shard_[idx[i]];
  }
  return at(x, rows_);
}

LossTally TextTaskOracle::take_loss() {
  LossTally t = tally_;
  tally_ = {};
  return t;
}

}  // namespace dcopt::train

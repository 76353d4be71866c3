#include "dcopt/train/text_mlm_oracle.hpp"

#include <algorithm>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/core/timer.hpp"

namespace dcopt::train {
torch::Tensor batch_tensor(const std::vector<std::int64_t>& v, const TextBatch& b) {
  return torch::from_blob(const_cast<std::int64_t*>(v.data()),
                          {static_cast<std::int64_t>(b.rows), static_cast<std::int64_t>(b.cols)},
                          torch::kInt64);
}

MlmBatch make_mlm_batch(const TokenizedDataset& corpus, std::span<const std::uint32_t> rows,
                        std::size_t vocab, const TextMlmOptions& options, std::uint64_t draw) {
  MlmBatch out;
  out.batch = make_text_batch(corpus, rows, options.max_len);
  Rng rng(options.seed, Purpose::masking, options.rank, draw);
  out.masking = apply_mlm_masking(out.batch, vocab, rng, options.masking);
  out.dropout_seed = rng.next_u64();
  return out;
}

MlmPredictions mlm_predictions(TextNetwork& net, const MlmBatch& b) {
  return mlm_predictions_at(net, b, net.token_embeddings(batch_tensor(b.batch.input_ids, b.batch)));
}

MlmPredictions mlm_predictions_at(TextNetwork& net, const MlmBatch& b,
                                  const torch::Tensor& token_embeds) {
  net.set_dropout_seed(b.dropout_seed);
  const torch::Tensor segments = batch_tensor(b.batch.segment_ids, b.batch);
  const torch::Tensor mask = batch_tensor(b.batch.attention_mask, b.batch);
  const torch::Tensor labels = batch_tensor(b.masking.labels, b.batch).reshape({-1});
  const torch::Tensor hidden = net.encode(token_embeds, segments, mask);
  // Only the masked rows go through the decoder (V columns): M/(N S) of its cost.
  const torch::Tensor selected = (labels != kMlmIgnore).nonzero().reshape({-1});
  const torch::Tensor rows = hidden.reshape({-1, hidden.size(-1)}).index_select(0, selected);
  return {net.mlm_logits(rows), labels.index_select(0, selected)};
}

torch::Tensor mlm_loss(TextNetwork& net, const MlmBatch& b) {
  if (b.masking.selected == 0) throw InvalidArgument("mlm_loss: no masked position in the batch");
  const MlmPredictions p = mlm_predictions(net, b);
  return torch::nn::functional::cross_entropy(p.logits, p.labels);
}

TextMlmOracle::TextMlmOracle(TextNetwork& net, FlatParameters& flat, const TokenizedDataset& corpus,
                             std::vector<std::uint32_t> shard, BatchLoader& loader,
                             const TextMlmOptions& options)
    : net_(net),
      flat_(flat),
      corpus_(corpus),
      shard_(std::move(shard)),
      loader_(loader),
      options_(options) {
  if (shard_.empty()) throw InvalidArgument("TextMlmOracle: empty shard");
  if (corpus_.vocab_size > static_cast<std::size_t>(net_.vocab_size())) {
    throw InvalidArgument("TextMlmOracle: the corpus's tokenizer has " +
                          std::to_string(corpus_.vocab_size) + " ids; the network's vocabulary " +
                          std::to_string(net_.vocab_size()));
  }
  if (options_.max_len > static_cast<std::size_t>(net_.max_positions())) {
    throw InvalidArgument("TextMlmOracle: max_len " + std::to_string(options_.max_len) +
                          " beyond the network's " + std::to_string(net_.max_positions()) +
                          " positions");
  }
}

std::span<const float> TextMlmOracle::at(std::span<const float> x,
                                         std::span<const std::uint32_t> rows) {
  const bool foreign = x.data() != flat_.params().data();
  if (foreign) {
    saved_.assign(flat_.params().begin(), flat_.params().end());
    std::copy(x.begin(), x.end(), flat_.params().begin());
  }
  Stopwatch watch;
  const MlmBatch b = make_mlm_batch(corpus_, rows, corpus_.vocab_size, options_, draws_);
  flat_.zero_grads();
  double loss_value = 0;
  if (options_.adversarial) {
    if (b.masking.selected == 0) throw InvalidArgument("mlm_loss: no masked position in the batch");
    Rng rng(options_.seed, Purpose::perturbation, options_.rank, draws_);
    torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(rng.next_u64());
    const torch::Tensor embeds = net_.token_embeddings(batch_tensor(b.batch.input_ids, b.batch));
    const torch::Tensor mask =
        batch_tensor(b.batch.attention_mask, b.batch).to(embeds.scalar_type()).unsqueeze(-1);
    int passes = 0;
    double second_pass_s = -1;
    const FreeLbResult r = freelb_ascent(
        embeds, mask,
        [&](const torch::Tensor& e) {
          if (++passes == 2) second_pass_s = watch.seconds();
          const MlmPredictions p = mlm_predictions_at(net_, b, e);
          return torch::nn::functional::cross_entropy(p.logits, p.labels);
        },
        *options_.adversarial, gen);
    loss_value = r.objective;
    // The passes after the first (from the second's forward on): the first is what plain MLM
    // costs.
    if (second_pass_s >= 0) perturbation_s_ += watch.seconds() - second_pass_s;
  } else {
    torch::Tensor loss = mlm_loss(net_, b);
    loss.backward();
    loss_value = loss.item<double>();
  }
  ++draws_;
  compute_s_ += watch.seconds();
  sample_grads_ += rows.size();
  masked_tokens_ += b.masking.selected;
  tally_.loss_sum += loss_value;
  tally_.batches += 1;
  if (foreign) std::copy(saved_.begin(), saved_.end(), flat_.params().begin());
  return flat_.grads();
}

std::span<const float> TextMlmOracle::gradient(std::span<const float> x) {
  return at(x, loader_.next_batch());
}

std::span<const float> TextMlmOracle::minibatch_gradient(std::span<const float> x,
                                                         std::span<const std::uint32_t> idx) {
  rows_.resize(idx.size());
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] >= shard_.size()) {
      throw InvalidArgument("TextMlmOracle: sample " + std::to_string(idx[i]) +
                            " outside the shard of " + std::to_string(shard_.size()));
    }
    rows_[i] = shard_[idx[i]];
  }
  return at(x, rows_);
}

LossTally TextMlmOracle::take_loss() {
  LossTally t = tally_;
  tally_ = {};
  return t;
}

}  // namespace dcopt::train

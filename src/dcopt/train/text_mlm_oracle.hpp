#pragma once
// TextMlmOracle: one worker's f_i for masked-language-model pre-training (issue 9, `dcopt
// pretrain`), the GradientOracle every estimator asks, as NetworkOracle is for the image
// classifiers. A "sample" is a sentence of the worker's shard of the corpus; the loss of a
// minibatch is the mean cross-entropy of the MLM head over its masked positions:
//
//   batch  = make_text_batch(corpus, rows, max_len)           [CLS] sentence [SEP], padded
//   labels = apply_mlm_masking(batch, vocab, Rng(seed, Purpose::masking, rank, draw))
//   hidden = net.encode(net.token_embeddings(batch.ids), segments, attention_mask)
//   loss   = cross_entropy(net.mlm_logits(hidden[masked]), labels[masked])   (mean over masked)
//
// Adversarial pre-training (options.adversarial; the MASHA paper's §5.2, issue 10): the loss of
// the word embeddings E above is maximized over a perturbation delta by FreeLB's K ascent steps
// (freelb.hpp), the weight gradients accumulated over them; delta_0 from
// Rng(seed, Purpose::perturbation, rank, draw). The tally records FreeLB's objective (the mean
// over the K passes of loss(E + delta) - beta/2 ||delta||^2). With K = 1 and init_magnitude = 0
// the gradient and the loss are those of plain MLM bit for bit.
//
// `draw` counts the minibatches this oracle has evaluated (gradient() and minibatch_gradient()
// alike), so the masks and the dropout masks of a run depend only on (seed, rank, the sequence
// of calls): not on the backend or on thread interleaving. After the masks, the same stream
// gives one u64, the network's dropout seed for that minibatch. A checkpoint saves draws().
//
//   gradient(x)          the gradient on the loader's next minibatch of sentences;
//   minibatch_gradient   the gradient on the given shard positions (idx < shard size).
// A full-shard gradient (FullGradient::shard of NetworkOracle) is not offered: with fresh
// random masks at every call there is no fixed f_i to take it of.
//
// x is usually the model's own flat parameter buffer (no copy); any other x is loaded for the
// call and the parameters restored afterwards. Ownership: the network, its flat buffers, the
// corpus and the loader are the caller's and outlive the oracle; one thread calls it.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dcopt/data/batch_loader.hpp"
#include "dcopt/data/mlm_masking.hpp"
#include "dcopt/data/text_batch.hpp"
#include "dcopt/methods/estimators/gradient_oracle.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/freelb.hpp"
#include "dcopt/train/network_oracle.hpp"
#include "dcopt/train/text_network.hpp"

namespace dcopt::train {

struct TextMlmOptions {
  std::size_t max_len = 128;  ///< tokens per row, [CLS] and [SEP] included
  MlmOptions masking;
  std::uint64_t seed = 0;  ///< the run's seed: masking and dropout streams
  std::size_t rank = 0;    ///< this worker
  /// FreeLB on the MLM loss; none: plain MLM.
  std::optional<FreeLbOptions> adversarial;
};

/// A masked minibatch as the oracle builds it for draw `draw` (exposed so that tests and
/// evaluations can rebuild exactly the same inputs).
struct MlmBatch {
  TextBatch batch;  ///< input_ids corrupted by the masking
  MlmMasking masking;
  std::uint64_t dropout_seed = 0;
};

MlmBatch make_mlm_batch(const TokenizedDataset& corpus, std::span<const std::uint32_t> rows,
                        std::size_t vocab, const TextMlmOptions& options, std::uint64_t draw);

/// A rows x cols field of a TextBatch (input_ids, segment_ids, attention_mask, or MLM labels of
/// the same shape) as an int64 (rows, cols) tensor viewing `v`: no copy, `v` must outlive it.
torch::Tensor batch_tensor(const std::vector<std::int64_t>& v, const TextBatch& b);

/// The MLM head's predictions at the masked positions of `b`, after
/// net.set_dropout_seed(b.dropout_seed): logits (M, V) of the M masked rows (only they go
/// through the decoder: M/(N S) of its cost), row-major position order, with a graph unless under
/// NoGradGuard; labels (M) int64, their original ids. M = b.masking.selected.
struct MlmPredictions {
  torch::Tensor logits;
  torch::Tensor labels;
};
MlmPredictions mlm_predictions(TextNetwork& net, const MlmBatch& b);

/// The same from given word embeddings (N, S, E), e.g. net.token_embeddings(ids) + delta.
MlmPredictions mlm_predictions_at(TextNetwork& net, const MlmBatch& b,
                                  const torch::Tensor& token_embeds);

/// The mean MLM cross-entropy of `b` over its masked positions (a scalar tensor with a graph):
/// cross_entropy(mlm_predictions(net, b)). InvalidArgument if no position is masked.
torch::Tensor mlm_loss(TextNetwork& net, const MlmBatch& b);

class TextMlmOracle final : public GradientOracle<float> {
 public:
  /// InvalidArgument for an empty shard, a corpus whose vocabulary exceeds the network's, or
  /// max_len beyond the network's positions.
  TextMlmOracle(TextNetwork& net, FlatParameters& flat, const TokenizedDataset& corpus,
                std::vector<std::uint32_t> shard, BatchLoader& loader,
                const TextMlmOptions& options);

  std::size_t dim() const override { return flat_.size(); }
  std::size_t num_samples() const override { return shard_.size(); }
  std::span<const float> gradient(std::span<const float> x) override;
  std::span<const float> minibatch_gradient(std::span<const float> x,
                                            std::span<const std::uint32_t> idx) override;

  /// Minibatches evaluated so far: the masking stream's round of the next one.
  std::uint64_t draws() const { return draws_; }
  void set_draws(std::uint64_t d) { draws_ = d; }
  /// Sentences whose gradients were computed so far.
  std::uint64_t sample_grads() const { return sample_grads_; }
  void set_sample_grads(std::uint64_t n) { sample_grads_ = n; }
  /// Masked positions predicted so far (the MLM loss's actual sample count).
  std::uint64_t masked_tokens() const { return masked_tokens_; }
  double compute_seconds() const { return compute_s_; }
  /// The part of compute_seconds() spent in FreeLB's ascent passes after the first (0 without
  /// adversarial training): what the adversarial training costs on top of plain MLM.
  double perturbation_seconds() const { return perturbation_s_; }
  LossTally take_loss();
  const LossTally& loss() const { return tally_; }
  void set_loss(const LossTally& t) { tally_ = t; }

 private:
  std::span<const float> at(std::span<const float> x, std::span<const std::uint32_t> rows);

  TextNetwork& net_;
  FlatParameters& flat_;
  const TokenizedDataset& corpus_;
  std::vector<std::uint32_t> shard_;
  BatchLoader& loader_;
  TextMlmOptions options_;
  std::vector<float> saved_;
  std::vector<std::uint32_t> rows_;
  std::uint64_t draws_ = 0, sample_grads_ = 0, masked_tokens_ = 0;
  double compute_s_ = 0, perturbation_s_ = 0;
  LossTally tally_;
};

}  // namespace dcopt::train

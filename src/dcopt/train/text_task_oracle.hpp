#pragma once
// TextTaskOracle: one worker's f_i for fine-tuning a text model on a labeled task (issue 9,
// `dcopt finetune`: GLUE classification or regression, ScaLA's Algorithm 1), the GradientOracle
// every estimator asks; the sibling of TextMlmOracle for labeled examples. A "sample" is an
// example of the worker's shard; the loss of a minibatch is ScaLA's perturbed loss
//
//   batch  = make_text_batch(data, rows, max_len)     [CLS] a [SEP] (b [SEP]), padded
//   Rng rng(seed, Purpose::perturbation, rank, draw)
//   dropout_seed = rng.next_u64()                      shared by the clean and perturbed passes
//   gen          = torch::Generator(rng.next_u64())    the perturbation's only randomness
//   step = perturbed_forward_backward(net, batch, perturbation, gen)
//          = task_loss(clean) + lambda * r(delta)      (embedding_perturbation.hpp)
//
// `draw` counts the minibatches this oracle has evaluated (gradient() and minibatch_gradient()
// alike), so a run's dropout masks and perturbations depend only on (seed, rank, the sequence of
// calls), not on the backend or on thread interleaving; a checkpoint saves draws(). Both u64 are
// drawn at every draw, perturbation active or not, so switching it on does not shift the stream.
//
// Delayed injection (Algorithm 1, t_s): while the perturbation is inactive (or its mode is none,
// or lambda = 0 with pga/gaussian) the step is the clean step bit for bit: the clean forward, the
// task loss, one backward, no perturbation forward at all.
//
//   gradient(x)          the gradient on the loader's next minibatch;
//   minibatch_gradient   the gradient on the given shard positions (idx < shard size).
// No full-shard gradient: every call draws a fresh perturbation (and dropout mask).
//
// x is usually the model's own flat parameter buffer (no copy); any other x is loaded for the
// call and the parameters restored afterwards. Ownership: the network, its flat buffers, the
// dataset and the loader are the caller's and outlive the oracle; one thread calls it. The
// network's train()/eval() state is the caller's (fine-tuning runs in train(): dropout on).
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/data/batch_loader.hpp"
#include "dcopt/data/text_batch.hpp"
#include "dcopt/methods/estimators/gradient_oracle.hpp"
#include "dcopt/train/embedding_perturbation.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/network_oracle.hpp"
#include "dcopt/train/text_network.hpp"

namespace dcopt::train {

struct TextTaskOptions {
  std::size_t max_len = 128;         ///< tokens per row, the specials included
  PerturbationOptions perturbation;  ///< mode none = plain fine-tuning
  std::uint64_t seed = 0;            ///< the run's seed: dropout and perturbation streams
  std::size_t rank = 0;              ///< this worker
};

/// Where a step's time went, cumulative wall seconds (the paper's Figure 2 breakdown), as
/// PerturbedStep splits it: the clean forward and task loss; the one backward; the perturbation
/// (ascent and perturbed forward; all of freelb's passes).
struct TextStepTimes {
  double forward_s = 0, backward_s = 0, perturbation_s = 0;
};

/// The model inputs of rows `rows` of labeled `data` as torch tensors (views of `batch`'s
/// vectors, which must outlive them): ids, segments, attention_mask (N, S) int64; labels (N)
/// int64 class ids, or float targets for a regression dataset. No dropout seed.
/// InvalidArgument for an unlabeled dataset.
TextInputs text_inputs(TextBatch& batch);

class TextTaskOracle final : public GradientOracle<float> {
 public:
  /// `data` labeled: class ids for a network with num_labels() >= 2 (each below it), regression
  /// targets for num_labels() = 1. `shard` holds dataset rows; idx of minibatch_gradient are
  /// positions in it (as NetworkOracle). InvalidArgument for an empty shard, a row out of range,
  /// an unlabeled dataset or one that does not match the head, a vocabulary beyond the
  /// network's, max_len beyond its positions, or bad perturbation options.
  TextTaskOracle(TextNetwork& net, FlatParameters& flat, const TokenizedDataset& data,
                 std::vector<std::uint32_t> shard, BatchLoader& loader,
                 const TextTaskOptions& options);

  std::size_t dim() const override { return flat_.size(); }
  std::size_t num_samples() const override { return shard_.size(); }
  std::span<const float> gradient(std::span<const float> x) override;
  std::span<const float> minibatch_gradient(std::span<const float> x,
                                            std::span<const std::uint32_t> idx) override;

  /// ScaLA's delayed injection (Algorithm 1, t_s): while inactive the step is the clean step
  /// bit for bit. Active from construction; the loop switches it at epoch t_s.
  void set_perturbation_active(bool on) { active_ = on; }
  bool perturbation_active() const { return active_; }

  /// Minibatches evaluated so far: the round of the next one's Rng.
  std::uint64_t draws() const { return draws_; }
  void set_draws(std::uint64_t d) { draws_ = d; }
  /// Examples whose gradients were computed so far.
  std::uint64_t sample_grads() const { return sample_grads_; }
  void set_sample_grads(std::uint64_t n) { sample_grads_ = n; }
  /// Seconds of forward + backward + perturbation so far (times() summed).
  double compute_seconds() const {
    return times_.forward_s + times_.backward_s + times_.perturbation_s;
  }
  const TextStepTimes& times() const { return times_; }
  /// The TASK loss (cross-entropy / squared error of the clean pass; freelb: the mean over its
  /// K perturbed passes), not the regularized one, since the last take_loss().
  LossTally take_loss();
  const LossTally& loss() const { return tally_; }
  void set_loss(const LossTally& t) { tally_ = t; }
  /// r (before lambda) of the last minibatch: 0 when no divergence was computed.
  double last_divergence() const { return last_divergence_; }

 private:
  std::span<const float> at(std::span<const float> x, std::span<const std::uint32_t> rows);

  TextNetwork& net_;
  FlatParameters& flat_;
  const TokenizedDataset& data_;
  std::vector<std::uint32_t> shard_;
  BatchLoader& loader_;
  TextTaskOptions options_;
  EmbeddingPerturbation perturbation_;
  EmbeddingPerturbation clean_;  ///< mode none: the inactive step
  bool active_ = true;
  std::vector<float> saved_;
  std::vector<std::uint32_t> rows_;
  std::uint64_t draws_ = 0, sample_grads_ = 0;
  TextStepTimes times_;
  LossTally tally_;
  double last_divergence_ = 0;
};

}  // namespace dcopt::train

#pragma once
// NetworkOracle: one worker's f_i for a classifier network, the mean cross-entropy over its shard
// of the training set, as the GradientOracle every estimator asks (methods/estimators/
// gradient_oracle.hpp). The estimators are the same code as in the convex runs; what "the
// gradient" means for a network is chosen here:
//
//   gradient(x)            FullGradient::loader (default): the gradient on the data loader's
//                          next minibatch (the stochastic gradient of SGD, DIANA, EF21, ...);
//                          FullGradient::shard: the exact gradient over the whole shard, in
//                          chunks (what VR-MARINA's and VR-DIANA's reference gradients need).
//   minibatch_gradient     the mean gradient over the given shard positions (idx < shard size),
//                          as VR-MARINA and VR-DIANA draw them.
//
// x is usually the model's own flat parameter buffer (no copy). Any other x (VR-MARINA's x^{k-1})
// is loaded into the model for the call and the parameters are restored afterwards.
//
// Ownership: the network, its flat buffers, the dataset and the loader are the caller's and
// outlive the oracle. Calls come from the worker's own thread only.
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/data/batch_loader.hpp"
#include "dcopt/data/image_dataset.hpp"
#include "dcopt/methods/estimators/gradient_oracle.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/network.hpp"

namespace dcopt::train {

enum class FullGradient { loader, shard };

/// What the oracle has computed since the last take_loss(): for the train_loss metric.
struct LossTally {
  double loss_sum = 0;  ///< sum over minibatches of the minibatch's mean loss
  std::uint64_t batches = 0;
};

class NetworkOracle final : public GradientOracle<float> {
 public:
  NetworkOracle(Network& net, FlatParameters& flat, const ImageDataset& data,
                std::vector<std::uint32_t> shard, BatchLoader& loader, FullGradient full,
                std::size_t chunk);

  std::size_t dim() const override { return flat_.size(); }
  std::size_t num_samples() const override { return shard_.size(); }
  std::span<const float> gradient(std::span<const float> x) override;
  std::span<const float> minibatch_gradient(std::span<const float> x,
                                            std::span<const std::uint32_t> idx) override;

  /// Per-sample gradients computed so far (each sample of each batch counts once).
  std::uint64_t sample_grads() const { return sample_grads_; }
  /// Seconds spent in forward and backward so far.
  double compute_seconds() const { return compute_s_; }
  /// The loss tally since the last call, and resets it.
  LossTally take_loss();
  const LossTally& loss() const { return tally_; }
  void set_loss(const LossTally& t) { tally_ = t; }
  void set_sample_grads(std::uint64_t n) { sample_grads_ = n; }

 private:
  /// grads = mean gradient over dataset rows `rows` at the current parameters; returns the loss.
  double backward_on(std::span<const std::uint32_t> rows);
  /// The same, accumulating `weight` * gradient into acc_ (full-shard chunks).
  std::span<const float> at(std::span<const float> x, std::span<const std::uint32_t> rows);

  Network& net_;
  FlatParameters& flat_;
  const ImageDataset& data_;
  std::vector<std::uint32_t> shard_;
  BatchLoader& loader_;
  FullGradient full_;
  std::size_t chunk_;
  std::vector<float> pixels_, saved_, acc_;
  std::vector<std::int64_t> labels_;
  std::vector<std::uint32_t> rows_;
  std::uint64_t sample_grads_ = 0;
  double compute_s_ = 0;
  LossTally tally_;
};

}  // namespace dcopt::train

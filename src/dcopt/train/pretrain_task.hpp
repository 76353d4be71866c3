#pragma once
// PretrainTask: `dcopt pretrain`'s task (train_task.hpp), BERT's masked-language-model
// pre-training. The network is the [model] table's encoder with its MLM head and no task head,
// over the token file's vocabulary; worker w owns an iid shard of the "train" sentences
// (plan_iid_shards); the loss is TextMlmOracle's (fresh masks from Rng(seed, masking, rank,
// draw) at every minibatch); a row's test_loss and test_acc are the MLM loss and masked-token
// accuracy on the held-out "eval" sentences with fixed masks (text_evaluation.hpp). With
// `adversarial = true` the loss is FreeLB's on the MLM loss (TextMlmOptions::adversarial) and the
// rows' train_loss its saddle objective; the held-out metrics stay clean. Checkpoint
// state: the loader, the oracle's draw count and tallies, the tokenizer fingerprint (a resume
// with another tokenizer is refused). Artifacts: model.bin and tokenizer.model.
#include "dcopt/data/batch_loader.hpp"
#include "dcopt/data/shard_plan.hpp"
#include "dcopt/data/split.hpp"
#include "dcopt/data/token_file.hpp"
#include "dcopt/train/text_mlm_oracle.hpp"
#include "dcopt/train/text_model.hpp"
#include "dcopt/train/text_train_config.hpp"
#include "dcopt/train/train_task.hpp"

namespace dcopt::train {

class PretrainTask final : public TrainTask {
 public:
  /// `tokens` outlives the task. InvalidArgument for a [model] key the encoder does not know,
  /// a batch larger than a worker's shard, or max_len beyond the model's positions.
  PretrainTask(const TextTrainConfig& cfg, const TokenBundle& tokens, int rank);

  std::string describe() const override { return model_.net().describe(); }
  FlatParameters& flat() override { return model_.flat(); }
  GradientOracle<float>& oracle() override { return oracle_; }
  std::vector<std::size_t> shard_sizes() const override { return sizes_of(shards_); }
  std::size_t batch() const override { return loader_.batch(); }
  double compute_seconds() const override { return oracle_.compute_seconds(); }
  /// Adversarial pre-training: the FreeLB passes after the first (0 otherwise).
  TaskTimes times() const override {
    TaskTimes t;
    t.perturbation_s = oracle_.perturbation_seconds();
    return t;
  }
  LossTally take_loss() override { return oracle_.take_loss(); }
  const LossTally& loss() const override { return oracle_.loss(); }
  std::uint64_t sample_grads() const override { return oracle_.sample_grads(); }
  TaskEvaluation evaluate(WorkerContext& ctx) override;
  void save(StateWriter& w) const override;
  void load(StateReader& r, const std::string& what) override;
  std::vector<TaskArtifact> artifacts() const override { return model_.artifacts(tokens_); }

 private:
  const TextTrainConfig& cfg_;
  const TokenBundle& tokens_;
  const TokenizedDataset& train_;
  const TokenizedDataset& eval_;
  Shards shards_;
  TextModel model_;
  BatchLoader loader_;
  TextMlmOptions options_;
  TextMlmOracle oracle_;
};

}  // namespace dcopt::train

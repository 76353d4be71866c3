#pragma once
// FinetuneTask: `dcopt finetune`'s task (train_task.hpp), GLUE classification or regression from
// a pre-trained model, with ScaLA's adversarial perturbation of the word embeddings (or none,
// FreeLB, Gaussian noise). The network is the pre-trained model's architecture (model.bin) with a
// fresh task head of the task's labels (1 for regression) and no MLM head; the encoder's weights
// are the pre-trained ones (text_model_file.hpp refuses another architecture or tokenizer).
// Worker w owns an iid shard of the "train" examples; the loss is TextTaskOracle's, whose
// perturbation is switched on from epoch t_s (begin_step: Algorithm 1 line 7, a function of the
// step alone, so a resumed run switches at the same step). A row's test_loss is the dev loss,
// test_acc the dev accuracy (NaN for regression) and the extra metrics the task's other GLUE
// metrics (MRPC: f1; STS-B: pearson, spearman). times() splits the compute into forward,
// backward and perturbation (the paper's Figure 2). Artifacts: model.bin and tokenizer.model.
#include "dcopt/data/batch_loader.hpp"
#include "dcopt/data/glue_task.hpp"
#include "dcopt/data/shard_plan.hpp"
#include "dcopt/data/split.hpp"
#include "dcopt/data/token_file.hpp"
#include "dcopt/train/text_model.hpp"
#include "dcopt/train/text_task_oracle.hpp"
#include "dcopt/train/text_train_config.hpp"
#include "dcopt/train/train_task.hpp"

namespace dcopt::train {

/// The fine-tuning architecture: `pretrained` with `labels` outputs and no MLM head; [model] may
/// set hidden_dropout and attention_dropout only (InvalidArgument naming any other key: the
/// architecture is the pre-trained model's).
TransformerConfig finetune_architecture(const Settings& model, const TransformerConfig& pretrained,
                                        int labels);

class FinetuneTask final : public TrainTask {
 public:
  /// `tokens` and `pretrained` (read from `pretrained_file`) outlive the task.
  FinetuneTask(const TextTrainConfig& cfg, const TokenBundle& tokens,
               const TextModelFile& pretrained, const std::string& pretrained_file, int rank);

  std::string describe() const override { return model_.net().describe(); }
  FlatParameters& flat() override { return model_.flat(); }
  GradientOracle<float>& oracle() override { return oracle_; }
  std::vector<std::size_t> shard_sizes() const override { return sizes_of(shards_); }
  std::size_t batch() const override { return loader_.batch(); }
  double compute_seconds() const override { return oracle_.compute_seconds(); }
  TaskTimes times() const override;
  LossTally take_loss() override { return oracle_.take_loss(); }
  const LossTally& loss() const override { return oracle_.loss(); }
  std::uint64_t sample_grads() const override { return oracle_.sample_grads(); }
  std::vector<std::string> extra_metrics() const override;
  TaskEvaluation evaluate(WorkerContext& ctx) override;
  void begin_step(std::uint64_t step, std::uint64_t epoch) override;
  void save(StateWriter& w) const override;
  void load(StateReader& r, const std::string& what) override;
  std::vector<TaskArtifact> artifacts() const override { return model_.artifacts(tokens_); }

 private:
  const TextTrainConfig& cfg_;
  const TokenBundle& tokens_;
  const TokenizedDataset& train_;
  const TokenizedDataset& dev_;
  std::vector<GlueMetric> metrics_;
  Shards shards_;
  TextModel model_;
  BatchLoader loader_;
  TextTaskOracle oracle_;
};

}  // namespace dcopt::train

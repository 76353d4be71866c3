#pragma once
// ImageTask: `dcopt train`'s task (train_task.hpp): an image classifier of the model catalog
// (mlp, cnn, resnet18) built and initialized from the seed, NetworkOracle over this worker's
// shard of the image dataset, the test-set evaluation of evaluation.hpp (loss and accuracy), and
// as checkpoint state the BatchNorm buffers, the loader's position and the oracle's counters.
#include <memory>

#include "dcopt/data/batch_loader.hpp"
#include "dcopt/data/shard_plan.hpp"
#include "dcopt/train/network.hpp"
#include "dcopt/train/network_oracle.hpp"
#include "dcopt/train/train_config.hpp"
#include "dcopt/train/train_data.hpp"
#include "dcopt/train/train_task.hpp"

namespace dcopt::train {

class ImageTask final : public TrainTask {
 public:
  /// Reads cfg.model (make_network rejects unknown keys). `data` outlives the task.
  ImageTask(const TrainConfig& cfg, const TrainData& data, int rank);

  std::string describe() const override { return net_->describe(); }
  FlatParameters& flat() override { return flat_; }
  GradientOracle<float>& oracle() override { return oracle_; }
  std::vector<std::size_t> shard_sizes() const override { return sizes_of(data_.shards); }
  std::size_t batch() const override { return loader_.batch(); }
  double compute_seconds() const override { return oracle_.compute_seconds(); }
  LossTally take_loss() override { return oracle_.take_loss(); }
  const LossTally& loss() const override { return oracle_.loss(); }
  std::uint64_t sample_grads() const override { return oracle_.sample_grads(); }
  TaskEvaluation evaluate(WorkerContext& ctx) override;
  void save(StateWriter& w) const override;
  void load(StateReader& r, const std::string& what) override;

 private:
  const TrainData& data_;
  std::size_t eval_batch_;
  // This worker's copy of the [model] table: a Settings records which keys were read, so the
  // workers' threads must not read one shared table (a data race).
  Settings model_settings_;
  std::shared_ptr<Network> net_;
  FlatParameters flat_;
  BatchLoader loader_;
  NetworkOracle oracle_;
};

}  // namespace dcopt::train

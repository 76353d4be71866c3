#pragma once
// The data of a training run, loaded once per process and shared read-only by its workers: the
// train and test splits normalized with the train split's mean and standard deviation, and each
// worker's shard of the train split (iid or label-skewed, from the seed).
#include <vector>

#include "dcopt/data/image_dataset.hpp"
#include "dcopt/data/shard_plan.hpp"
#include "dcopt/train/network.hpp"
#include "dcopt/train/train_config.hpp"

namespace dcopt::train {

struct TrainData {
  ImageDataset train, test;
  Normalization normalization;
  Shards shards;  ///< per worker, indices into `train`
  InputShape input() const {
    return {static_cast<int>(train.channels), static_cast<int>(train.rows),
            static_cast<int>(train.cols)};
  }
};

/// DataError naming the file for missing or corrupt dataset files; InvalidArgument for a batch
/// larger than a worker's shard (naming the worker and its shard size).
TrainData load_train_data(const TrainConfig& cfg);

}  // namespace dcopt::train

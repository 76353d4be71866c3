#include "dcopt/train/train_data.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/data/shard_plan.hpp"

namespace dcopt::train {

TrainData load_train_data(const TrainConfig& cfg) {
  TrainData d;
  d.train = read_image_dataset(cfg.data.dir, "train", cfg.data.train_limit);
  d.test = read_image_dataset(cfg.data.dir, "test", cfg.data.test_limit);
  d.normalization = compute_normalization(d.train);
  normalize(d.train, d.normalization);
  normalize(d.test, d.normalization);
  ShardOptions shards;
  shards.kind = parse_shard_kind(cfg.data.shards);
  shards.classes_per_worker = cfg.data.classes_per_worker;
  shards.seed = cfg.seed;
  d.shards = plan_shards(d.train, static_cast<std::size_t>(cfg.workers), shards);
  for (std::size_t w = 0; w < d.shards.size(); ++w) {
    if (d.shards[w].size() < cfg.loop.batch) {
      throw InvalidArgument(
          cfg.source + " [train]: batch = " + std::to_string(cfg.loop.batch) +
          " is larger than worker " + std::to_string(w) + "'s shard of " +
          std::to_string(d.shards[w].size()) + " training images; valid: batch <= " +
          std::to_string(d.shards[w].size()) + " (or more data: data.train_limit, fewer workers)");
    }
  }
  return d;
}

}  // namespace dcopt::train

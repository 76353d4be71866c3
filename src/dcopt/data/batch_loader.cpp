#include "dcopt/data/batch_loader.hpp"

#include <algorithm>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {

BatchLoader::BatchLoader(std::span<const std::uint32_t> shard, std::size_t batch,
                         std::uint64_t seed, std::size_t worker)
    : shard_(shard.begin(), shard.end()),
      order_(shard.size()),
      batch_(batch),
      batches_per_epoch_(batch == 0 ? 0 : shard.size() / batch),
      seed_(seed),
      worker_(worker) {
  if (batch == 0 || batch > shard.size()) {
    throw InvalidArgument("batch loader: batch size " + std::to_string(batch) + " for worker " +
                          std::to_string(worker) + " whose shard holds " +
                          std::to_string(shard.size()) +
                          " samples; expected 1 <= batch <= " + std::to_string(shard.size()));
  }
  fill_order(0);
}

void BatchLoader::fill_order(std::uint64_t epoch) {
  // From the shard each time, not from the previous epoch's order: epoch e's permutation is a
  // function of (seed, worker, e) alone, which is what lets load() jump straight to it.
  std::copy(shard_.begin(), shard_.end(), order_.begin());
  Rng rng(seed_, Purpose::shuffle, worker_, epoch);
  rng.shuffle(std::span<std::uint32_t>(order_));
  loaded_epoch_ = epoch;
}

std::span<const std::uint32_t> BatchLoader::next_batch() {
  if (epoch() != loaded_epoch_) fill_order(epoch());
  const std::size_t begin = static_cast<std::size_t>(position()) * batch_;
  ++taken_;
  return std::span<const std::uint32_t>(order_).subspan(begin, batch_);
}

std::uint64_t BatchLoader::shard_hash() const {
  return fnv1a64(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(shard_.data()),
                                               shard_.size() * sizeof(std::uint32_t)));
}

void BatchLoader::save(StateWriter& w) const {
  w.u64("loader.shard_size", shard_.size());
  w.u64("loader.shard_hash", shard_hash());
  w.u64("loader.batch", batch_);
  w.u64("loader.seed", seed_);
  w.u64("loader.worker", worker_);
  w.u64("loader.epoch", epoch());
  w.u64("loader.position", position());
}

void BatchLoader::load(StateReader& r) {
  auto expect = [&](const char* name, std::uint64_t want) {
    const std::uint64_t got = r.u64(name);
    if (got != want) {
      throw DataError(std::string("batch loader checkpoint: ") + name + " is " +
                      std::to_string(got) + " but this loader has " + std::to_string(want) +
                      "; expected a checkpoint of the same shard, batch, seed and worker");
    }
  };
  expect("loader.shard_size", shard_.size());
  expect("loader.shard_hash", shard_hash());
  expect("loader.batch", batch_);
  expect("loader.seed", seed_);
  expect("loader.worker", worker_);
  const std::uint64_t epoch = r.u64("loader.epoch");
  const std::uint64_t position = r.u64("loader.position");
  if (position >= batches_per_epoch_) {
    throw DataError("batch loader checkpoint: position " + std::to_string(position) +
                    " is not below the " + std::to_string(batches_per_epoch_) +
                    " batches per epoch");
  }
  if (epoch > (~std::uint64_t{0} - position) / batches_per_epoch_) {
    throw DataError("batch loader checkpoint: epoch " + std::to_string(epoch) + " is out of range");
  }
  taken_ = epoch * batches_per_epoch_ + position;
  fill_order(epoch);
}

}  // namespace dcopt

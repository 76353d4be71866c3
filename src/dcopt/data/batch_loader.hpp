#pragma once
// One worker's minibatch stream over its shard, epoch after epoch. Epoch e visits the shard in
// the order of a permutation drawn from Rng(seed, Purpose::shuffle, worker, e) applied to the
// shard as given, so the batches depend only on (shard, batch, seed, worker): not on the
// backend, the number of ranks or OS threads, or on how the stream was interrupted and resumed.
//
// drop_last semantics: an epoch is floor(m / batch) batches for a shard of m samples; the
// m mod batch samples at the end of that epoch's permutation are skipped (a different set each
// epoch), so every batch has exactly `batch` samples and no sample repeats within an epoch.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/core/state_io.hpp"

namespace dcopt {

class BatchLoader {
 public:
  /// `shard`: the dataset indices this worker owns (copied). Throws InvalidArgument naming the
  /// batch, the worker and the shard size if batch == 0 or batch > shard.size().
  BatchLoader(std::span<const std::uint32_t> shard, std::size_t batch, std::uint64_t seed,
              std::size_t worker);

  /// The next `batch` dataset indices, moving to the next epoch after the last full batch of
  /// one. The view stays valid until the next call of next_batch() or load(). Allocation-free
  /// (each epoch's permutation is written into storage sized at construction).
  std::span<const std::uint32_t> next_batch();

  /// The epoch the next batch belongs to (0 for a new loader).
  std::uint64_t epoch() const { return taken_ / batches_per_epoch_; }
  /// Index of the next batch within its epoch, in [0, batches_per_epoch()).
  std::uint64_t position() const { return taken_ % batches_per_epoch_; }
  /// floor(shard size / batch) >= 1.
  std::size_t batches_per_epoch() const { return batches_per_epoch_; }
  std::size_t batch() const { return batch_; }
  std::size_t shard_size() const { return shard_.size(); }

  /// Writes epoch and position, plus the shard size, batch, seed, worker and a fingerprint of
  /// the shard's indices that load() checks.
  void save(StateWriter& w) const;
  /// Restores a position written by save() of a loader built with the same shard, batch, seed
  /// and worker (anything else: DataError naming the field); the next batches then equal those
  /// an uninterrupted loader would have produced.
  void load(StateReader& r);

 private:
  void fill_order(std::uint64_t epoch);
  std::uint64_t shard_hash() const;

  std::vector<std::uint32_t> shard_;
  std::vector<std::uint32_t> order_;  ///< the permutation of shard_ for epoch loaded_epoch_
  std::size_t batch_;
  std::size_t batches_per_epoch_;
  std::uint64_t seed_;
  std::size_t worker_;
  std::uint64_t taken_ = 0;  ///< batches returned so far, over all epochs
  std::uint64_t loaded_epoch_ = 0;
};

}  // namespace dcopt

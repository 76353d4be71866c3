#pragma once
// Which training samples each of n workers owns, for data-parallel network training. Every
// plan is a partition of the sample indices 0..N-1 (disjoint shards whose union is all
// indices, none empty), returned per worker in increasing order; the batch loader shuffles a
// shard per epoch, so the order here carries no meaning. Deterministic in the seed.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dcopt/data/image_dataset.hpp"
#include "dcopt/data/split.hpp"

namespace dcopt {

enum class ShardKind {
  /// Homogeneous workers: a seeded permutation of 0..N-1 cut into n contiguous parts whose sizes
  /// differ by at most 1 (the first N mod n workers get one extra sample). This is
  /// split_random(N, n, seed, Remainder::spread), stream Rng(seed, Purpose::data).
  iid,
  /// The "pathological non-IID" partition of McMahan et al. (2017), "Communication-Efficient
  /// Learning of Deep Networks from Decentralized Data", section 3: sort the indices by label
  /// (stable, so ties stay in index order), cut the sorted list into n*k contiguous chunks of
  /// near-equal size (sizes differ by at most 1; the first N mod (n*k) chunks are one larger),
  /// permute the chunk numbers with Rng(seed, Purpose::shard) and give worker w chunks
  /// perm[w*k .. w*k+k). McMahan's MNIST setting is N = 60000, n = 100, k = 2 (200 chunks of
  /// 300). A chunk holds a single class when every class count is a multiple of the chunk size
  /// (Fashion-MNIST: 6000 or 1000 per class, e.g. n*k = 20), so each worker sees at most k
  /// classes; otherwise chunks straddle class boundaries and a worker can see more.
  label_skew,
};

struct ShardOptions {
  ShardKind kind = ShardKind::iid;
  std::size_t classes_per_worker = 2;  ///< k, label_skew only (>= 1)
  std::uint64_t seed = 0;
};

/// The plan for samples with the given labels (labels[i] is sample i's class; iid reads only
/// labels.size()). Throws InvalidArgument naming the counts if some worker's shard would be
/// empty (iid: N < n; label_skew: N < n*k), if n or k is 0, or if N exceeds 32-bit indices.
Shards plan_shards(std::span<const std::int64_t> labels, std::size_t workers,
                   const ShardOptions& options);

/// Every shard's size, in worker order.
std::vector<std::size_t> sizes_of(const Shards& shards);
/// The iid plan of `samples` unlabeled samples (text sentences): plan_shards's iid case.
Shards plan_iid_shards(std::size_t samples, std::size_t workers, std::uint64_t seed);
/// plan_shards(data.labels, workers, options).
Shards plan_shards(const ImageDataset& data, std::size_t workers, const ShardOptions& options);

/// "iid" | "label_skew" -> ShardKind; anything else: InvalidArgument listing the valid names.
ShardKind parse_shard_kind(std::string_view name);

}  // namespace dcopt

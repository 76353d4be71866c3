#include "dcopt/data/shard_plan.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

void check_sizes(std::size_t samples, std::size_t workers, std::size_t parts, const char* what) {
  if (workers == 0) throw InvalidArgument("shard plan: 0 workers; expected at least 1");
  if (samples > std::size_t{0xFFFFFFFF}) {
    throw InvalidArgument("shard plan: " + std::to_string(samples) +
                          " samples exceed 32-bit sample indices");
  }
  if (samples < parts) {
    throw InvalidArgument("shard plan (" + std::string(what) + "): " + std::to_string(samples) +
                          " samples cannot give each of " + std::to_string(workers) +
                          " workers a non-empty shard; expected at least " + std::to_string(parts) +
                          " samples");
  }
}

Shards label_skew(std::span<const std::int64_t> labels, std::size_t workers, std::size_t k,
                  std::uint64_t seed) {
  if (k == 0) {
    throw InvalidArgument("shard plan (label_skew): classes_per_worker is 0; expected >= 1");
  }
  const std::size_t chunks = workers * k;
  std::string what = "label_skew, ";
  what += std::to_string(k);
  what += " chunks per worker";
  check_sizes(labels.size(), workers, chunks, what.c_str());

  std::vector<std::uint32_t> order(labels.size());
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return labels[a] < labels[b]; });

  // Chunk c covers order[start(c), start(c+1)): the first N mod chunks chunks are one larger.
  const std::size_t base = order.size() / chunks;
  const std::size_t extra = order.size() % chunks;
  auto start = [&](std::size_t c) { return c * base + std::min(c, extra); };

  std::vector<std::uint32_t> perm(chunks);
  std::iota(perm.begin(), perm.end(), std::uint32_t{0});
  Rng rng(seed, Purpose::shard);
  rng.shuffle(std::span<std::uint32_t>(perm));

  Shards shards(workers);
  for (std::size_t w = 0; w < workers; ++w) {
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t c = perm[w * k + j];
      shards[w].insert(shards[w].end(), order.begin() + static_cast<std::ptrdiff_t>(start(c)),
                       order.begin() + static_cast<std::ptrdiff_t>(start(c + 1)));
    }
    std::sort(shards[w].begin(), shards[w].end());
  }
  return shards;
}

}  // namespace

Shards plan_shards(std::span<const std::int64_t> labels, std::size_t workers,
                   const ShardOptions& options) {
  switch (options.kind) {
    case ShardKind::iid: return plan_iid_shards(labels.size(), workers, options.seed);
    case ShardKind::label_skew:
      return label_skew(labels, workers, options.classes_per_worker, options.seed);
  }
  throw InvalidArgument("plan_shards: unknown ShardKind");
}

std::vector<std::size_t> sizes_of(const Shards& shards) {
  std::vector<std::size_t> out;
  out.reserve(shards.size());
  for (const auto& s : shards) out.push_back(s.size());
  return out;
}

Shards plan_iid_shards(std::size_t samples, std::size_t workers, std::uint64_t seed) {
  check_sizes(samples, workers, workers, "iid");
  return split_random(samples, workers, seed, Remainder::spread);
}

Shards plan_shards(const ImageDataset& data, std::size_t workers, const ShardOptions& options) {
  return plan_shards(data.labels, workers, options);
}

ShardKind parse_shard_kind(std::string_view name) {
  if (name == "iid") return ShardKind::iid;
  if (name == "label_skew") return ShardKind::label_skew;
  std::string msg = "unknown shard kind '";
  msg += name;
  msg += "'; expected iid or label_skew";
  throw InvalidArgument(msg);
}

}  // namespace dcopt

#include "dcopt/data/split.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

void check_counts(std::size_t num_rows, std::size_t n) {
  if (n < 1 || n > num_rows) {
    throw InvalidArgument("cannot split " + std::to_string(num_rows) + " rows across " +
                          std::to_string(n) + " workers; expected 1 <= workers <= rows");
  }
  if (num_rows > std::size_t{0xFFFFFFFF}) {
    throw InvalidArgument("cannot split " + std::to_string(num_rows) +
                          " rows: row indices are 32-bit");
  }
}

// Cuts `order` into n blocks; each block is sorted so workers read rows in file order.
Shards cut(std::span<const std::uint32_t> order, std::size_t n, Remainder remainder) {
  const std::size_t base = order.size() / n;
  const std::size_t extra = remainder == Remainder::spread ? order.size() % n : 0;
  Shards shards(n);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t size = base + (i < extra ? 1 : 0);
    shards[i].assign(order.begin() + pos, order.begin() + pos + size);
    std::sort(shards[i].begin(), shards[i].end());
    pos += size;
  }
  return shards;
}

std::vector<std::uint32_t> identity_order(std::size_t num_rows) {
  std::vector<std::uint32_t> order(num_rows);
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  return order;
}

}  // namespace

Shards split_contiguous(std::size_t num_rows, std::size_t n, Remainder remainder) {
  check_counts(num_rows, n);
  return cut(identity_order(num_rows), n, remainder);
}

Shards split_random(std::size_t num_rows, std::size_t n, std::uint64_t seed, Remainder remainder) {
  check_counts(num_rows, n);
  std::vector<std::uint32_t> order = identity_order(num_rows);
  Rng rng(seed, Purpose::data);
  rng.shuffle(std::span<std::uint32_t>(order));
  return cut(order, n, remainder);
}

Shards split_label_skew(std::span<const double> labels, std::size_t n, Remainder remainder) {
  check_counts(labels.size(), n);
  std::vector<std::uint32_t> order = identity_order(labels.size());
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return labels[a] < labels[b]; });
  return cut(order, n, remainder);
}

Shards split_rows(const Dataset& data, std::size_t n, const SplitOptions& options) {
  switch (options.kind) {
    case SplitKind::contiguous: return split_contiguous(data.num_rows(), n, options.remainder);
    case SplitKind::random:
      return split_random(data.num_rows(), n, options.seed, options.remainder);
    case SplitKind::label_skew: return split_label_skew(data.labels, n, options.remainder);
  }
  throw InvalidArgument("split_rows: unknown SplitKind");
}

SplitKind parse_split_kind(std::string_view name) {
  if (name == "contiguous") return SplitKind::contiguous;
  if (name == "random") return SplitKind::random;
  if (name == "label_skew") return SplitKind::label_skew;
  throw InvalidArgument("unknown split '" + std::string(name) +
                        "'; expected contiguous, random or label_skew");
}

}  // namespace dcopt

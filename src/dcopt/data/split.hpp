#pragma once
// Assigning the rows of a dataset to n workers. Every scheme returns, per worker, its row
// indices in increasing order (so a worker reads its shard front to back); shards are disjoint.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dcopt/data/dataset.hpp"

namespace dcopt {

using Shards = std::vector<std::vector<std::uint32_t>>;

enum class SplitKind {
  /// Rows in file order, worker i gets the i-th block (the MARINA experiments' split).
  contiguous,
  /// A seeded random permutation of the rows cut into blocks (homogeneous workers).
  random,
  /// Heterogeneous: rows stably sorted by label (ties keep file order), then cut into blocks, so
  /// worker i sees mostly one label (with two classes and n workers, all but at most one worker
  /// hold a single class). A simple, parameter-free scheme; no Dirichlet sampling.
  label_skew,
};

/// What happens to the N mod n rows that do not fill a whole block.
enum class Remainder {
  /// Every worker gets floor(N/n) rows and the last N mod n rows (in scheme order) are unused:
  /// the MARINA reference code's behaviour.
  drop,
  /// The first N mod n workers get one extra row, so every row is used.
  spread,
};

struct SplitOptions {
  SplitKind kind = SplitKind::contiguous;
  Remainder remainder = Remainder::drop;
  std::uint64_t seed = 0;  ///< for SplitKind::random (stream Purpose::data)
};

/// Splits rows 0..num_rows-1 in order. Throws InvalidArgument unless 1 <= n <= num_rows.
Shards split_contiguous(std::size_t num_rows, std::size_t n, Remainder remainder = Remainder::drop);

/// Splits a random permutation drawn from Rng(seed, Purpose::data). Same seed, same shards.
Shards split_random(std::size_t num_rows, std::size_t n, std::uint64_t seed,
                    Remainder remainder = Remainder::drop);

/// Splits rows sorted by label (see SplitKind::label_skew); labels[i] is row i's label.
Shards split_label_skew(std::span<const double> labels, std::size_t n,
                        Remainder remainder = Remainder::drop);

/// Dispatches on options.kind.
Shards split_rows(const Dataset& data, std::size_t n, const SplitOptions& options = {});

/// "contiguous", "random", "label_skew" -> SplitKind; anything else: InvalidArgument listing them.
SplitKind parse_split_kind(std::string_view name);

}  // namespace dcopt

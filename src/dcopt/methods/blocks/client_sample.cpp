#include "dcopt/methods/blocks/client_sample.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "dcopt/core/rng.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {

namespace {

// The last draw made on this thread, keyed by everything it depends on. Every worker of a round
// draws the same list (a pure function of the key), so the workers of one process that run on
// this thread copy it instead of drawing it again: one draw per thread and round instead of one
// per worker (n = 1000 clients, r = 10: 10^4 bounded draws per round before). A draw runs no
// collective, so no other worker of the thread runs in the middle of it.
struct DrawKey {
  std::uint64_t seed = 0, round = 0;
  std::size_t n = 0, r = 0;
  ClientSampling sampling = ClientSampling::with_replacement;
  bool operator==(const DrawKey&) const = default;
};

struct LastDraw {
  std::optional<DrawKey> key;  ///< empty: no draw yet (or the copy of the last one failed)
  std::vector<ClientSample::Entry> entries;
};

thread_local LastDraw last_draw;

}  // namespace

void ClientSample::draw(const WorkerContext& ctx, std::size_t r, ClientSampling sampling,
                        std::uint64_t round) {
  const auto n = static_cast<std::size_t>(ctx.size());
  if (r < 1 || (sampling == ClientSampling::without_replacement && r > n)) {
    throw std::invalid_argument("ClientSample: need 1 <= r (<= n without replacement)");
  }
  const DrawKey key{ctx.seed, round, n, r, sampling};
  LastDraw& last = last_draw;
  if (last.key == key) {
    entries_.assign(last.entries.begin(), last.entries.end());
    return;
  }
  draw_fresh(ctx.seed, n, r, sampling, round);
  last.key.reset();  // stays empty if the copy below throws (bad_alloc)
  last.entries.assign(entries_.begin(), entries_.end());
  last.key = key;
}

void ClientSample::draw_fresh(std::uint64_t seed, std::size_t n, std::size_t r,
                              ClientSampling sampling, std::uint64_t round) {
  Rng rng(seed, Purpose::clients, 0, round);
  draws_.clear();
  if (sampling == ClientSampling::with_replacement) {
    for (std::size_t i = 0; i < r; ++i) draws_.push_back(rng.below(n));
  } else {
    // Floyd: for j = n-r .. n-1 draw t in [0, j]; take t unless already taken, else j. Every
    // r-subset is equally likely; draws_ stays unsorted while it is built (r is small).
    for (std::size_t j = n - r; j < n; ++j) {
      const std::uint64_t t = rng.below(j + 1);
      const bool taken = std::find(draws_.begin(), draws_.end(), t) != draws_.end();
      draws_.push_back(taken ? j : t);
    }
  }
  std::sort(draws_.begin(), draws_.end());
  entries_.clear();
  const double share = 1.0 / static_cast<double>(r);
  for (std::uint64_t w : draws_) {
    if (!entries_.empty() && entries_.back().rank == static_cast<int>(w)) {
      entries_.back().weight += share;  // drawn again: c/r, added in draw count as before
    } else {
      entries_.push_back({static_cast<int>(w), share});
    }
  }
}

double ClientSample::weight(int rank) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), rank,
                             [](const Entry& e, int r) { return e.rank < r; });
  return it != entries_.end() && it->rank == rank ? it->weight : 0.0;
}

void ClientSample::to_dense(std::span<double> weights) const {
  vec::fill(weights, 0.0);
  for (const Entry& e : entries_) weights[static_cast<std::size_t>(e.rank)] = e.weight;
}

void sample_client_weights(const WorkerContext& ctx, std::size_t r, ClientSampling sampling,
                           std::uint64_t round, std::span<double> weights) {
  if (weights.size() != static_cast<std::size_t>(ctx.size())) {
    throw std::invalid_argument("sample_client_weights: weights must have one entry per worker");
  }
  ClientSample s;
  s.draw(ctx, r, sampling, round);
  s.to_dense(weights);
}

}  // namespace dcopt

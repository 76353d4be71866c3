#pragma once
// "Sample r clients" (partial participation, PP-MARINA): which workers send in a round and with
// what weight in the average, as a sorted list of the drawn workers only. Every worker draws the
// same list from the shared stream (seed, clients, 0, round), 0 bits. It costs O(r log r) per
// thread and round (a copy of O(r) for the other workers of the thread) and O(r) memory,
// whatever n: with n = 1000 simulated clients and r = 10, a
// dense vector of n weights per worker would be n^2 work and memory per round.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

enum class ClientSampling {
  /// r i.i.d. uniform draws from {0..n-1} (the MARINA paper's PP rule): a worker drawn c times
  /// has weight c/r, so E[weights] = 1/n and the weighted average is unbiased.
  with_replacement,
  /// r distinct workers, weight 1/r each (Floyd's algorithm: r draws, uniform over the r-subsets).
  without_replacement,
};

/// The drawn workers of one round, ascending by rank, each with its weight (> 0). Capacity is
/// reused from round to round: no allocation once warm.
class ClientSample {
 public:
  struct Entry {
    int rank;
    double weight;
  };

  /// Draws round `round`'s r clients out of ctx.size(). Requires 1 <= r (<= n without
  /// replacement); std::invalid_argument otherwise. The workers of one process that run on one
  /// thread draw a round's list once: the others copy it (the same entries: a pure function of
  /// the seed, n, r, the sampling and the round).
  void draw(const WorkerContext& ctx, std::size_t r, ClientSampling sampling, std::uint64_t round);

  std::span<const Entry> entries() const { return entries_; }
  /// Weight of worker `rank` (0 if not drawn), by binary search.
  double weight(int rank) const;
  /// Writes the weights as a dense vector of size n (0 for workers not drawn).
  void to_dense(std::span<double> weights) const;

 private:
  void draw_fresh(std::uint64_t seed, std::size_t n, std::size_t r, ClientSampling sampling,
                  std::uint64_t round);

  std::vector<Entry> entries_;
  std::vector<std::uint64_t> draws_;
};

/// "Sample r clients" as a dense weight vector: weights[w] (size n) = the weight of worker w's
/// message in this round's average, 0 if not sampled: ClientSample::draw, scattered. For weighted
/// exchanges built by hand (tests); methods keep a ClientSample.
void sample_client_weights(const WorkerContext& ctx, std::size_t r, ClientSampling sampling,
                           std::uint64_t round, std::span<double> weights);

}  // namespace dcopt

#pragma once
// Counter-based random numbers (Philox-4x32-10). A stream is named by
// (seed, purpose, worker, round): any party that knows the name regenerates the same numbers
// without talking to anyone, and streams with different names are independent. Results never
// depend on thread interleaving because no state is shared.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace dcopt {

/// What a stream is for. Two streams that differ only in purpose are independent.
enum class Purpose : std::uint32_t {
  compressor = 1,    ///< a worker's private compressor randomness
  shared_codec = 2,  ///< codec randomness both sender and receiver regenerate (shared-seed RandK)
  coin = 3,          ///< global per-round coin (MARINA c_k, MASHA b_k), same on every worker
  clients = 4,       ///< PP-MARINA client sampling, same on every worker
  minibatch = 5,     ///< a worker's minibatch indices
  data = 6,          ///< data generation / shuffling / splitting
  init = 7,          ///< initial points, warm starts
  server = 8,        ///< the server role's compressor (MASHA Q^serv), same on every worker
  shard = 9,         ///< assigning training samples to workers (data/shard_plan)
  shuffle = 10,      ///< a worker's per-epoch sample order (data/batch_loader; round = epoch)
  masking = 11,  ///< masked-language-model masks (data/mlm_masking; worker = rank, round = step)
  perturbation = 12,  ///< fine-tuning: a step's dropout seed and embedding-perturbation
                      ///< generator (train/text_task_oracle; worker = rank, round = draw)
  test = 100,         ///< tests and measurements
};

class Rng {
 public:
  using result_type = std::uint64_t;

  Rng(std::uint64_t seed, Purpose purpose, std::uint64_t worker = 0, std::uint64_t round = 0);

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return next_u64(); }

  // The hot draws are inline: codecs draw one number per entry.
  std::uint32_t next_u32() {
    if (used_ >= 4) refill();
    return buf_[used_++];
  }
  std::uint64_t next_u64() {
    std::uint64_t lo = next_u32();
    std::uint64_t hi = next_u32();
    return (hi << 32) | lo;
  }
  /// Block draws, for codecs that need one number per entry of a long vector. The stream is a
  /// sequence of 32-bit words (next_u64 takes two, low word first; uniform takes one next_u64);
  /// these read it many words at a time and give exactly the words, and leave the Rng in exactly
  /// the state, that as many next_u32() calls would. Generating many counters' Philox rounds at
  /// once vectorizes (philox.hpp: AVX-512 or AVX2 when the CPU has it, chosen at run time; a
  /// portable loop otherwise, with the same output).
  ///
  /// The next out.size() words, consumed.
  void fill_u32(std::span<std::uint32_t> out) {
    peek_u32(out);
    skip_u32(out.size());
  }
  /// The next out.size() words without consuming them (the Rng is unchanged): a caller that
  /// does not know yet how many it will use peeks a block, then skips what it used.
  void peek_u32(std::span<std::uint32_t> out) const;
  /// Consumes n words, as n next_u32() calls would, in O(1) time.
  void skip_u32(std::uint64_t n);

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Standard normal (Box-Muller; both values of a pair are used).
  double normal();
  /// true with probability p (p <= 0: never, p >= 1: always).
  bool bernoulli(double p);
  /// Uniform integer in [0, n), n >= 1, without modulo bias.
  std::uint64_t below(std::uint64_t n);
  /// k distinct indices from [0, n), sorted ascending. For k < n/4, Floyd's algorithm: k draws,
  /// cost O(k + n/64) with a bitmap of the taken indices when n <= 512 k, else O(k) expected with
  /// a hash set plus a sort; for k >= n/4, selection sampling: one draw per index, O(n). Requires
  /// k <= n.
  void sample_without_replacement(std::size_t k, std::size_t n, std::vector<std::uint32_t>& out);
  /// Fisher-Yates shuffle.
  template <class T>
  void shuffle(std::span<T> v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  void refill();
  std::uint64_t block_counter() const {
    return (static_cast<std::uint64_t>(ctr_[1]) << 32) | ctr_[0];
  }
  std::uint32_t key_[2];
  std::uint32_t ctr_[4];
  std::uint32_t buf_[4];
  int used_ = 4;
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace dcopt

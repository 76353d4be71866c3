#pragma once
// The moves every method is made of (DESIGN.md, "A method file reads like the paper's algorithm
// box"): each is metered once and tested once.
//
// Streams: the codec randomness of worker w for exchange `slot` of round k is
// Rng(seed, Purpose::compressor, w, k * kSlotsPerRound + slot); the receiver regenerates it to
// decode (shared-seed RandK). Rounds are numbered from 1; init() uses round 0.
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

inline constexpr std::uint64_t kSlotsPerRound = 8;

/// The stream worker `sender` encodes with in exchange `slot` of `round`.
Rng codec_stream(const WorkerContext& ctx, int sender, std::uint64_t round, unsigned slot);

/// Who sends in a partial-participation exchange.
struct Participation {
  bool me = true;  ///< this worker sends
  int count = 0;   ///< number of senders (0 = everyone)
};

/// "Encode my vector, gather everyone's, average the decoded messages."
/// avg = (1/senders) * sum over senders, in rank order, of Q_w(x_w). If `my_decoded` is not
/// empty it receives this worker's own Q(x) (for shifts and error memories). A worker that does
/// not participate sends nothing (0 bits) and `my_decoded` is zero. Returns this worker's
/// uplink bits (the exact size of its message). Messages from other workers are decoded as
/// untrusted input.
std::uint64_t average_compressed(WorkerContext& ctx, const Compressor& codec,
                                 std::span<const double> mine, std::span<double> avg,
                                 std::uint64_t round, unsigned slot,
                                 std::span<double> my_decoded = {}, Participation who = {});

/// "The server broadcasts a vector": `aggregate` (identical on every worker, since every worker
/// runs the server step) is encoded with the server codec on the shared server stream and
/// decoded into `received`. No communication is needed; the returned exact size of the encoded
/// broadcast is the downlink bits per worker.
std::uint64_t server_broadcast(const WorkerContext& ctx, const Compressor& server_codec,
                               std::span<const double> aggregate, std::span<double> received,
                               std::uint64_t round, unsigned slot);

/// "Flip the shared coin for this round": Bernoulli(p), same on every worker, 0 bits.
bool shared_coin(const WorkerContext& ctx, double p, std::uint64_t round);

/// "Sample r clients": r distinct workers out of n (sorted), the same on every worker.
std::vector<std::uint32_t> sample_clients(const WorkerContext& ctx, std::size_t r,
                                          std::uint64_t round);

/// A worker's minibatch: b indices out of [0, m), without replacement (b <= m), private to the
/// worker, from Rng(seed, Purpose::minibatch, rank, round).
std::vector<std::uint32_t> sample_minibatch(const WorkerContext& ctx, std::size_t m, std::size_t b,
                                            std::uint64_t round);

}  // namespace dcopt

#pragma once
// The moves every method is made of (DESIGN.md, "A method file reads like the paper's algorithm
// box"): each is metered once and tested once.
//
// Streams: the codec randomness of worker w for exchange `slot` of round k is
// Rng(seed, Purpose::compressor, w, k * kSlotsPerRound + slot); the receiver regenerates it to
// decode (shared-seed RandK). Slots are reserved by name in a StreamPlan (stream_plan.hpp).
// Rounds are numbered from 1; init() uses round 0.
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/methods/blocks/client_sample.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

/// Whose randomness a worker's codec draws from.
enum class CodecStreams {
  /// Each sender its own stream (seed, compressor, sender, round, slot): independent
  /// compressors, as every theorem assumes (the omega/n term needs independence).
  independent,
  /// Every sender the same stream (seed, shared_codec, 0, round, slot): correlated compressors,
  /// e.g. all workers keep the same RandK coordinates. Reproduces the MARINA reference code
  /// (ALGORITHMS.md §3.5 (a)); the theory's omega/n speed-up does not hold.
  shared,
};

/// The stream worker `sender` encodes with in exchange `slot` of `round`.
Rng codec_stream(const WorkerContext& ctx, int sender, std::uint64_t round, unsigned slot,
                 CodecStreams streams = CodecStreams::independent);

/// Options of an exchange, for vectors of element type T (float or double).
template <class T>
struct BasicExchangeOptions {
  /// If not empty, receives this worker's own decoded message scale * Q(x) (for shifts and
  /// error memories); zero if this worker does not send.
  std::span<T> my_decoded = {};
  /// Weight of each worker's decoded message in `avg`, indexed by rank (size n). A worker with
  /// weight 0 sends nothing (0 bits). Empty: everyone sends with weight 1/n.
  /// sample_client_weights() fills it from a ClientSample.
  std::span<const double> weights = {};
  /// Partial participation (instead of `weights`): only the drawn workers send, each with its
  /// weight. The same average as the dense weights of the same draw, at O(r) per worker.
  const ClientSample* clients = nullptr;
  CodecStreams streams = CodecStreams::independent;
  /// Every decoded message is multiplied by `scale`: scale = 1/(omega+1) turns an unbiased
  /// Q in U(omega) into a contractive codec with delta = omega + 1 (ALGORITHMS.md §1.1).
  double scale = 1.0;
  /// Dense messages (the identity codec) with every worker sending are summed with the
  /// communicator's allreduce instead of an allgather of everyone's message: each worker decodes
  /// its own message, scaled, and the allreduce adds them in rank order, about 2(n-1)/n of the
  /// vector per rank instead of (n-1) vectors. For fp64 the sums are the allgather path's, bit
  /// for bit (both add the same terms in rank order); for fp32 the allreduce adds in fp32 where
  /// the allgather path rounds each partial sum from double. false: always allgather (tests).
  bool allreduce_linear = true;
};
using ExchangeOptions = BasicExchangeOptions<double>;

/// "Encode my vector, send it to the server, average the decoded messages", as an object that
/// keeps its message and receive buffers from one round to the next (no allocation per round
/// once warm) and owns the stream of its exchange:
///   avg = sum over senders w, in rank order, of weights[w] * scale * Q_w(x_w)
/// and "the server broadcasts a vector": `aggregate` is encoded with the server codec on the
/// exchange's shared server stream and decoded into `received` on every worker; the exact size of
/// the encoded broadcast is the downlink bits per worker. Messages from other workers are decoded
/// as untrusted input. T is float or double; the wire format is the codec's, whatever T.
///
/// A method calls average(), runs its server step on `avg` (and on server state it keeps), and
/// calls broadcast() with the result; what the workers use is `received` (and `my_decoded`).
/// How the server is realized is ctx.topology (topology.hpp), with the same numbers either way:
///   * allgather: every rank gets every message and computes `avg`, so every rank runs the server
///     step and broadcast() needs no communication (each rank encodes and decodes the aggregate
///     itself). Dense messages with every worker sending go through allreduce_sum instead
///     (BasicExchangeOptions::allreduce_linear).
///   * server: the messages are gathered on rank kServerRank, which alone computes `avg` (the
///     other ranks get zeros: their copy of the server state is not maintained and must be used
///     only as input to broadcast(), which ignores it there); broadcast() encodes the server's
///     aggregate there and sends that message, plus one byte saying how many bits of its last
///     byte are padding, to every worker. Dense messages are gathered too (the papers' model);
///     the server adds them as the deterministic allreduce would, so fp32 sums are also the same.
template <class T>
class Exchange {
 public:
  explicit Exchange(ExchangeStream stream) : stream_(stream) {}

  /// Returns this worker's uplink bits (the exact size of its message; 0 if its weight is 0).
  std::uint64_t average(WorkerContext& ctx, const Compressor& codec, std::span<const T> mine,
                        std::span<T> avg, std::uint64_t round,
                        const BasicExchangeOptions<T>& opt = {});
  /// The same average, valid on every rank whatever the topology, for methods without a server
  /// step (the workers use the average itself, e.g. PowerSGD's phases): under "server" the
  /// server sends the exact average (the raw values of T) to every worker, unless the message
  /// is dense with every worker sending, which stays an allreduce.
  std::uint64_t average_everywhere(WorkerContext& ctx, const Compressor& codec,
                                   std::span<const T> mine, std::span<T> avg, std::uint64_t round,
                                   const BasicExchangeOptions<T>& opt = {});
  /// Returns the downlink bits per worker (the same on every rank).
  std::uint64_t broadcast(const WorkerContext& ctx, const Compressor& server_codec,
                          std::span<const T> aggregate, std::span<T> received, std::uint64_t round);

  ExchangeStream stream() const { return stream_; }

 private:
  ExchangeStream stream_;
  Message mine_;
  std::vector<Bytes> all_;
  std::vector<T> term_;  // one worker's decoded term (server topology, dense messages)
  Message server_;
  Bytes shared_;
};

/// Under Topology::server, copies the server's `values` to every other rank exactly (the raw
/// values of T: |values| * sizeof(T) bytes down per worker; all ranks pass the same size);
/// `buffer` is reused. Does nothing under Topology::allgather, where every rank has them.
template <class T>
void share_from_server(const WorkerContext& ctx, std::span<T> values, Bytes& buffer);

/// "Flip the shared coin for this round": Bernoulli(p), same on every worker, 0 bits.
bool shared_coin(const WorkerContext& ctx, double p, std::uint64_t round);

/// A worker's minibatch: b indices out of [0, m) into `out` (its capacity is reused: no
/// allocation per round once warm), private to the worker, from `stream`'s draws for `round`.
/// `replacement`: b i.i.d. uniform indices (the online/expectation case simulated from local
/// data, any b >= 1); otherwise b distinct indices, sorted (b <= m).
void sample_minibatch(const WorkerContext& ctx, MinibatchStream stream, std::size_t m,
                      std::size_t b, bool replacement, std::uint64_t round,
                      std::vector<std::uint32_t>& out);

}  // namespace dcopt

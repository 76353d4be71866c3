#include "dcopt/methods/blocks/exchange.hpp"

#include <stdexcept>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {

Rng codec_stream(const WorkerContext& ctx, int sender, std::uint64_t round, unsigned slot,
                 CodecStreams streams) {
  if (streams == CodecStreams::shared) {
    return Rng(ctx.seed, Purpose::shared_codec, 0, round * kSlotsPerRound + slot);
  }
  return Rng(ctx.seed, Purpose::compressor, static_cast<std::uint64_t>(sender),
             round * kSlotsPerRound + slot);
}

namespace {

// The one implementation behind both forms: `weight(w)` is worker w's weight, 0 = not sending.
template <class Weight>
std::uint64_t exchange_impl(WorkerContext& ctx, const Compressor& codec,
                            std::span<const double> mine, std::span<double> avg,
                            std::uint64_t round, unsigned slot, std::span<double> my_decoded,
                            CodecStreams streams, double scale, Weight weight) {
  const int n = ctx.size();
  const bool me = weight(ctx.rank()) != 0.0;
  Message msg;
  if (me) {
    Rng rng = codec_stream(ctx, ctx.rank(), round, slot, streams);
    msg = codec.encode(mine, rng);
  }
  std::vector<Bytes> all = ctx.comm.allgather(msg.bytes);
  vec::fill(avg, 0.0);
  for (int w = 0; w < n; ++w) {
    const Bytes& bytes = all[static_cast<std::size_t>(w)];
    const double wt = weight(w);
    // Every codec message carries a header, so "sent nothing" and "sent an empty vector" differ:
    // a mismatch means the workers disagree on who participates.
    if (bytes.empty() != (wt == 0.0)) {
      throw CommError("exchange in round " + std::to_string(round) + ": worker " +
                      std::to_string(w) +
                      (bytes.empty() ? " sent nothing but was expected to send"
                                     : " sent a message but was not selected"));
    }
    if (wt == 0.0) continue;
    codec.decode_add(bytes, wt * scale, avg, codec_stream(ctx, w, round, slot, streams));
  }
  if (!my_decoded.empty()) {
    if (me) {
      vec::fill(my_decoded, 0.0);
      codec.decode_add(all[static_cast<std::size_t>(ctx.rank())], scale, my_decoded,
                       codec_stream(ctx, ctx.rank(), round, slot, streams));
    } else {
      vec::fill(my_decoded, 0.0);
    }
  }
  return me ? msg.bits : 0;
}

}  // namespace

std::uint64_t average_compressed(WorkerContext& ctx, const Compressor& codec,
                                 std::span<const double> mine, std::span<double> avg,
                                 std::uint64_t round, unsigned slot, std::span<double> my_decoded,
                                 Participation who) {
  const int n = ctx.size();
  const int senders = who.count > 0 ? who.count : n;
  // This form knows only this worker's own participation; the others' is read off the messages
  // (a worker that sent is a participant), then their count is checked.
  const bool me = who.me;
  Message msg;
  if (me) {
    Rng rng = codec_stream(ctx, ctx.rank(), round, slot);
    msg = codec.encode(mine, rng);
  }
  std::vector<Bytes> all = ctx.comm.allgather(msg.bytes);
  vec::fill(avg, 0.0);
  int received = 0;
  for (int w = 0; w < n; ++w) {
    if (all[static_cast<std::size_t>(w)].empty()) continue;
    ++received;
    codec.decode_add(all[static_cast<std::size_t>(w)], 1.0 / senders, avg,
                     codec_stream(ctx, w, round, slot));
  }
  if (received != senders) {
    throw CommError("exchange in round " + std::to_string(round) + ": expected " +
                    std::to_string(senders) + " messages, received " + std::to_string(received));
  }
  if (!my_decoded.empty()) {
    if (me) {
      codec.decode(all[static_cast<std::size_t>(ctx.rank())], my_decoded,
                   codec_stream(ctx, ctx.rank(), round, slot));
    } else {
      vec::fill(my_decoded, 0.0);
    }
  }
  return me ? msg.bits : 0;
}

std::uint64_t average_compressed(WorkerContext& ctx, const Compressor& codec,
                                 std::span<const double> mine, std::span<double> avg,
                                 std::uint64_t round, unsigned slot, const ExchangeOptions& opt) {
  const int n = ctx.size();
  if (opt.weights.empty()) {
    const double w = 1.0 / n;
    return exchange_impl(ctx, codec, mine, avg, round, slot, opt.my_decoded, opt.streams, opt.scale,
                         [w](int) { return w; });
  }
  if (opt.weights.size() != static_cast<std::size_t>(n)) {
    throw std::invalid_argument("average_compressed: weights must have one entry per worker");
  }
  return exchange_impl(ctx, codec, mine, avg, round, slot, opt.my_decoded, opt.streams, opt.scale,
                       [&](int w) { return opt.weights[static_cast<std::size_t>(w)]; });
}

std::uint64_t server_broadcast(const WorkerContext& ctx, const Compressor& server_codec,
                               std::span<const double> aggregate, std::span<double> received,
                               std::uint64_t round, unsigned slot) {
  Rng rng(ctx.seed, Purpose::server, 0, round * kSlotsPerRound + slot);
  Message msg = server_codec.encode(aggregate, rng);
  server_codec.decode(msg.bytes, received,
                      Rng(ctx.seed, Purpose::server, 0, round * kSlotsPerRound + slot));
  return msg.bits;
}

bool shared_coin(const WorkerContext& ctx, double p, std::uint64_t round) {
  Rng rng(ctx.seed, Purpose::coin, 0, round);
  return rng.bernoulli(p);
}

std::vector<std::uint32_t> sample_clients(const WorkerContext& ctx, std::size_t r,
                                          std::uint64_t round) {
  Rng rng(ctx.seed, Purpose::clients, 0, round);
  std::vector<std::uint32_t> out;
  rng.sample_without_replacement(r, static_cast<std::size_t>(ctx.size()), out);
  return out;
}

void sample_client_weights(const WorkerContext& ctx, std::size_t r, ClientSampling sampling,
                           std::uint64_t round, std::span<double> weights) {
  const auto n = static_cast<std::size_t>(ctx.size());
  if (weights.size() != n) {
    throw std::invalid_argument("sample_client_weights: weights must have one entry per worker");
  }
  if (r < 1 || (sampling == ClientSampling::without_replacement && r > n)) {
    throw std::invalid_argument("sample_client_weights: need 1 <= r (<= n without replacement)");
  }
  Rng rng(ctx.seed, Purpose::clients, 0, round);
  vec::fill(weights, 0.0);
  const double share = 1.0 / static_cast<double>(r);
  if (sampling == ClientSampling::with_replacement) {
    for (std::size_t draw = 0; draw < r; ++draw) weights[rng.below(n)] += share;
  } else {
    // Selection sampling in place (Knuth's algorithm S), so that no index list is allocated.
    std::size_t needed = r;
    for (std::size_t i = 0; i < n && needed > 0; ++i) {
      if (rng.below(n - i) < needed) {
        weights[i] = share;
        --needed;
      }
    }
  }
}

void sample_minibatch_into(const WorkerContext& ctx, std::size_t m, std::size_t b, bool replacement,
                           std::uint64_t round, unsigned slot, std::vector<std::uint32_t>& out) {
  Rng rng(ctx.seed, Purpose::minibatch, static_cast<std::uint64_t>(ctx.rank()),
          round * kSlotsPerRound + slot);
  if (!replacement) {
    rng.sample_without_replacement(b, m, out);
    return;
  }
  out.resize(b);
  for (auto& j : out) j = static_cast<std::uint32_t>(rng.below(m));
}

std::vector<std::uint32_t> sample_minibatch(const WorkerContext& ctx, std::size_t m, std::size_t b,
                                            std::uint64_t round) {
  Rng rng(ctx.seed, Purpose::minibatch, static_cast<std::uint64_t>(ctx.rank()), round);
  std::vector<std::uint32_t> out;
  rng.sample_without_replacement(b, m, out);
  return out;
}

}  // namespace dcopt

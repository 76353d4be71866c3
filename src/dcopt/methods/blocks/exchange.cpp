#include "dcopt/methods/blocks/exchange.hpp"

#include <cstring>
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

// The messages of an exchange: every rank gets all of them under allgather, the server only
// under the server topology (`all` is then empty on the other ranks).
void collect(WorkerContext& ctx, std::span<const std::uint8_t> sent, std::vector<Bytes>& all) {
  if (ctx.topology == Topology::server) {
    ctx.comm.gather(sent, kServerRank, all);
  } else {
    ctx.comm.allgather(sent, all);
  }
}

// Is this average realized as a sum of dense contributions (allreduce under allgather)?
template <class T>
bool linear(const Compressor& codec, const BasicExchangeOptions<T>& opt) {
  return opt.allreduce_linear && opt.weights.empty() && opt.clients == nullptr &&
         codec.id() == CodecId::identity;
}

// The one implementation behind Exchange::average and the free form.
template <class T>
std::uint64_t average_into(WorkerContext& ctx, const Compressor& codec, std::span<const T> mine,
                           std::span<T> avg, std::uint64_t round, unsigned slot,
                           const BasicExchangeOptions<T>& opt, Message& msg,
                           std::vector<Bytes>& all) {
  const int n = ctx.size();
  if (!opt.weights.empty() && opt.weights.size() != static_cast<std::size_t>(n)) {
    throw std::invalid_argument("Exchange::average: weights must have one entry per worker");
  }
  if (!opt.weights.empty() && opt.clients != nullptr) {
    throw std::invalid_argument("Exchange::average: weights or clients, not both");
  }
  const double uniform = 1.0 / n;
  auto weight = [&](int w) {
    if (opt.clients != nullptr) return opt.clients->weight(w);
    return opt.weights.empty() ? uniform : opt.weights[static_cast<std::size_t>(w)];
  };
  const bool me = weight(ctx.rank()) != 0.0;
  std::span<const std::uint8_t> sent;
  if (me) {
    Rng rng = codec_stream(ctx, ctx.rank(), round, slot, opt.streams);
    codec.encode(mine, rng, msg);
    sent = msg.bytes;
  }
  // The server step: decode every message with its weight into `out`, in rank order. It reads
  // only the messages and what every rank has alike (the codec, the weights, the seed), so under
  // allgather it is computed once for all the ranks of a process (allgather_combine).
  auto decode_all = [&](const MessageSet& messages, std::span<T> out) {
    vec::fill(out, T{0});
    // With a client sample, the drawn workers are walked in step with the ranks (O(n + r)).
    std::span<const ClientSample::Entry> drawn;
    if (opt.clients != nullptr) drawn = opt.clients->entries();
    std::size_t next = 0;
    for (int w = 0; w < n; ++w) {
      const std::span<const std::uint8_t> bytes = messages[w];
      double wt = 0.0;
      if (opt.clients == nullptr) {
        wt = weight(w);
      } else if (next < drawn.size() && drawn[next].rank == w) {
        wt = drawn[next++].weight;
      }
      // Every codec message carries a header, so "sent nothing" and "sent an empty vector"
      // differ: a mismatch means the workers disagree on who participates.
      if (bytes.empty() != (wt == 0.0)) {
        throw CommError("exchange in round " + std::to_string(round) + ": worker " +
                        std::to_string(w) +
                        (bytes.empty() ? " sent nothing but was expected to send"
                                       : " sent a message but was not selected"));
      }
      if (wt == 0.0) continue;
      codec.decode_add(bytes, wt * opt.scale, out, codec_stream(ctx, w, round, slot, opt.streams));
    }
  };
  if (ctx.topology == Topology::allgather) {
    ctx.comm.allgather_combine(sent, avg, decode_all);
  } else {
    collect(ctx, sent, all);
    vec::fill(avg, T{0});
    if (ctx.runs_server()) decode_all(GatheredMessages(all), avg);
  }
  if (!opt.my_decoded.empty()) {
    vec::fill(opt.my_decoded, T{0});
    if (me) {
      codec.decode_add(msg.bytes, opt.scale, opt.my_decoded,
                       codec_stream(ctx, ctx.rank(), round, slot, opt.streams));
    }
  }
  return me ? msg.bits : 0;
}

// The allreduce realization of the same average for a linear (dense) message and uniform
// weights: this worker's message is encoded for real (its exact size is the uplink), decoded
// with its weight into `avg`, and the workers' contributions are summed in rank order.
template <class T>
std::uint64_t reduce_into(WorkerContext& ctx, const Compressor& codec, std::span<const T> mine,
                          std::span<T> avg, std::uint64_t round, unsigned slot,
                          const BasicExchangeOptions<T>& opt, Message& msg) {
  Rng rng = codec_stream(ctx, ctx.rank(), round, slot, opt.streams);
  codec.encode(mine, rng, msg);
  const double weight = 1.0 / ctx.size();
  vec::fill(avg, T{0});
  codec.decode_add(msg.bytes, weight * opt.scale, avg,
                   codec_stream(ctx, ctx.rank(), round, slot, opt.streams));
  if (!opt.my_decoded.empty()) {
    vec::fill(opt.my_decoded, T{0});
    codec.decode_add(msg.bytes, opt.scale, opt.my_decoded,
                     codec_stream(ctx, ctx.rank(), round, slot, opt.streams));
  }
  ctx.comm.allreduce_sum(avg);
  return msg.bits;
}

// The same sum as reduce_into, realized on the server: the dense messages are gathered there,
// each decoded with its weight on its own (as each rank does before the allreduce) and the terms
// added in rank order in T, starting from rank 0's term, as the deterministic allreduce adds
// (communicator.hpp: ReduceMode::deterministic), so that fp32 sums are the same bits too.
template <class T>
std::uint64_t server_reduce_into(WorkerContext& ctx, const Compressor& codec,
                                 std::span<const T> mine, std::span<T> avg, std::uint64_t round,
                                 unsigned slot, const BasicExchangeOptions<T>& opt, Message& msg,
                                 std::vector<Bytes>& all, std::vector<T>& term) {
  Rng rng = codec_stream(ctx, ctx.rank(), round, slot, opt.streams);
  codec.encode(mine, rng, msg);
  collect(ctx, msg.bytes, all);
  const double weight = 1.0 / ctx.size();
  vec::fill(avg, T{0});
  if (ctx.runs_server()) {
    term.resize(avg.size());
    for (int w = 0; w < ctx.size(); ++w) {
      const Bytes& bytes = all[static_cast<std::size_t>(w)];
      if (bytes.empty()) {
        throw CommError("exchange in round " + std::to_string(round) + ": worker " +
                        std::to_string(w) + " sent nothing but was expected to send");
      }
      std::span<T> out = w == 0 ? avg : std::span<T>(term);
      vec::fill(out, T{0});
      codec.decode_add(bytes, weight * opt.scale, out,
                       codec_stream(ctx, w, round, slot, opt.streams));
      if (w > 0) {
        for (std::size_t i = 0; i < avg.size(); ++i) avg[i] += term[i];
      }
    }
  }
  if (!opt.my_decoded.empty()) {
    vec::fill(opt.my_decoded, T{0});
    codec.decode_add(msg.bytes, opt.scale, opt.my_decoded,
                     codec_stream(ctx, ctx.rank(), round, slot, opt.streams));
  }
  return msg.bits;
}

Rng server_stream(const WorkerContext& ctx, std::uint64_t round, unsigned slot) {
  return Rng(ctx.seed, Purpose::server, 0, round * kSlotsPerRound + slot);
}

template <class T>
std::uint64_t broadcast_into(const WorkerContext& ctx, const Compressor& server_codec,
                             std::span<const T> aggregate, std::span<T> received,
                             std::uint64_t round, unsigned slot, Message& msg) {
  if (ctx.topology == Topology::allgather) {
    // Every rank holds the aggregate: each computes what the server's message would decode to
    // (for the identity codec, without writing the message).
    return server_codec.round_trip(aggregate, server_stream(ctx, round, slot), received, msg);
  }
  // The server sends its message and, in one trailing byte, how many bits of the message's
  // last byte are padding, so that every worker knows the exact downlink size.
  if (ctx.rank() == kServerRank) {
    Rng rng = server_stream(ctx, round, slot);
    server_codec.encode(aggregate, rng, msg);
    const std::uint64_t padding = msg.bytes.size() * 8 - msg.bits;
    if (msg.bits > msg.bytes.size() * 8 || padding > 7) {
      throw std::logic_error("Exchange::broadcast: a message of " + std::to_string(msg.bits) +
                             " bits in " + std::to_string(msg.bytes.size()) + " bytes");
    }
    msg.bytes.push_back(static_cast<std::uint8_t>(padding));
  }
  ctx.comm.broadcast(msg.bytes, kServerRank);
  if (msg.bytes.empty() || msg.bytes.back() > 7) {
    throw CommError("broadcast in round " + std::to_string(round) +
                    ": the server's message has no valid padding byte");
  }
  const std::uint64_t padding = msg.bytes.back();
  msg.bytes.pop_back();
  const std::uint64_t bits = msg.bytes.size() * 8 - padding;
  server_codec.decode(msg.bytes, received, server_stream(ctx, round, slot));
  return bits;
}

}  // namespace

template <class T>
void share_from_server(const WorkerContext& ctx, std::span<T> values, Bytes& buffer) {
  if (ctx.topology != Topology::server) return;
  const std::size_t size = values.size() * sizeof(T);
  if (ctx.rank() == kServerRank) {
    buffer.resize(size);
    if (size > 0) std::memcpy(buffer.data(), values.data(), size);
  }
  ctx.comm.broadcast(buffer, kServerRank);
  if (buffer.size() != size) {
    throw CommError("share_from_server: the server sent " + std::to_string(buffer.size()) +
                    " bytes, expected " + std::to_string(size));
  }
  if (size > 0 && ctx.rank() != kServerRank) std::memcpy(values.data(), buffer.data(), size);
}

template <class T>
std::uint64_t Exchange<T>::average(WorkerContext& ctx, const Compressor& codec,
                                   std::span<const T> mine, std::span<T> avg, std::uint64_t round,
                                   const BasicExchangeOptions<T>& opt) {
  if (linear(codec, opt)) {
    if (ctx.topology == Topology::server) {
      return server_reduce_into(ctx, codec, mine, avg, round, stream_.slot(), opt, mine_, all_,
                                term_);
    }
    return reduce_into(ctx, codec, mine, avg, round, stream_.slot(), opt, mine_);
  }
  return average_into(ctx, codec, mine, avg, round, stream_.slot(), opt, mine_, all_);
}

template <class T>
std::uint64_t Exchange<T>::average_everywhere(WorkerContext& ctx, const Compressor& codec,
                                              std::span<const T> mine, std::span<T> avg,
                                              std::uint64_t round,
                                              const BasicExchangeOptions<T>& opt) {
  if (linear(codec, opt)) {
    return reduce_into(ctx, codec, mine, avg, round, stream_.slot(), opt, mine_);
  }
  const std::uint64_t bits =
      average_into(ctx, codec, mine, avg, round, stream_.slot(), opt, mine_, all_);
  share_from_server(ctx, avg, shared_);
  return bits;
}

template <class T>
std::uint64_t Exchange<T>::broadcast(const WorkerContext& ctx, const Compressor& server_codec,
                                     std::span<const T> aggregate, std::span<T> received,
                                     std::uint64_t round) {
  return broadcast_into(ctx, server_codec, aggregate, received, round, stream_.slot(), server_);
}

template void share_from_server<double>(const WorkerContext&, std::span<double>, Bytes&);
template void share_from_server<float>(const WorkerContext&, std::span<float>, Bytes&);
template class Exchange<double>;
template class Exchange<float>;

bool shared_coin(const WorkerContext& ctx, double p, std::uint64_t round) {
  Rng rng(ctx.seed, Purpose::coin, 0, round);
  return rng.bernoulli(p);
}

void sample_minibatch(const WorkerContext& ctx, MinibatchStream stream, std::size_t m,
                      std::size_t b, bool replacement, std::uint64_t round,
                      std::vector<std::uint32_t>& out) {
  Rng rng = stream.rng(ctx.seed, ctx.rank(), round);
  if (!replacement) {
    rng.sample_without_replacement(b, m, out);
    return;
  }
  out.resize(b);
  for (auto& j : out) j = static_cast<std::uint32_t>(rng.below(m));
}

}  // namespace dcopt

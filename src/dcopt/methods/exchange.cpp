#include "dcopt/methods/exchange.hpp"

#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {

Rng codec_stream(const WorkerContext& ctx, int sender, std::uint64_t round, unsigned slot) {
  return Rng(ctx.seed, Purpose::compressor, static_cast<std::uint64_t>(sender),
             round * kSlotsPerRound + slot);
}

std::uint64_t average_compressed(WorkerContext& ctx, const Compressor& codec,
                                 std::span<const double> mine, std::span<double> avg,
                                 std::uint64_t round, unsigned slot, std::span<double> my_decoded,
                                 Participation who) {
  const int n = ctx.size();
  const int senders = who.count > 0 ? who.count : n;
  Message msg;
  if (who.me) {
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
    if (who.me) {
      codec.decode(all[static_cast<std::size_t>(ctx.rank())], my_decoded,
                   codec_stream(ctx, ctx.rank(), round, slot));
    } else {
      vec::fill(my_decoded, 0.0);
    }
  }
  return who.me ? msg.bits : 0;
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

std::vector<std::uint32_t> sample_minibatch(const WorkerContext& ctx, std::size_t m, std::size_t b,
                                            std::uint64_t round) {
  Rng rng(ctx.seed, Purpose::minibatch, static_cast<std::uint64_t>(ctx.rank()), round);
  std::vector<std::uint32_t> out;
  rng.sample_without_replacement(b, m, out);
  return out;
}

}  // namespace dcopt

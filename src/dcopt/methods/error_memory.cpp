#include "dcopt/methods/error_memory.hpp"

#include "dcopt/methods/exchange.hpp"

namespace dcopt {

std::span<const double> ErrorMemory::load(std::span<const double> x, double scale) {
  vec::copy(e_, v_);
  vec::axpy(scale, x, v_);
  return v_;
}

void ErrorMemory::keep_residual(std::span<const double> decoded) { vec::sub(v_, decoded, e_); }

std::uint64_t average_compressed_with_memory(WorkerContext& ctx, const Compressor& codec,
                                             ErrorMemory& memory, std::span<const double> x,
                                             double scale, std::span<double> avg,
                                             std::uint64_t round, unsigned slot) {
  vec::Vec mine_decoded(x.size());
  const auto v = memory.load(x, scale);
  const std::uint64_t bits = average_compressed(ctx, codec, v, avg, round, slot, mine_decoded);
  memory.keep_residual(mine_decoded);
  return bits;
}

std::uint64_t server_broadcast_with_memory(const WorkerContext& ctx, const Compressor& server_codec,
                                           ErrorMemory& memory, std::span<const double> aggregate,
                                           std::span<double> received, std::uint64_t round,
                                           unsigned slot) {
  const auto v = memory.load(aggregate);
  const std::uint64_t bits = server_broadcast(ctx, server_codec, v, received, round, slot);
  memory.keep_residual(received);
  return bits;
}

}  // namespace dcopt

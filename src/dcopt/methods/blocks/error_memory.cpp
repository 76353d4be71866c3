#include "dcopt/methods/blocks/error_memory.hpp"

#include "dcopt/methods/blocks/exchange.hpp"

namespace dcopt {

std::span<const double> ErrorMemory::load(std::span<const double> x, double scale) {
  vec::copy(e_, v_);
  vec::axpy(scale, x, v_);
  return v_;
}

void ErrorMemory::keep_residual(std::span<const double> decoded) { vec::sub(v_, decoded, e_); }

std::uint64_t ErrorMemory::exchange(WorkerContext& ctx, const Compressor& codec,
                                    std::span<const double> x, double scale, std::span<double> avg,
                                    std::uint64_t round, unsigned slot, ExchangeOptions opt) {
  const auto v = load(x, scale);
  opt.my_decoded = decoded_;
  const std::uint64_t bits = average_compressed(ctx, codec, v, avg, round, slot, opt);
  keep_residual(decoded_);
  return bits;
}

std::uint64_t ErrorMemory::broadcast(const WorkerContext& ctx, const Compressor& server_codec,
                                     std::span<const double> aggregate, std::span<double> received,
                                     std::uint64_t round, unsigned slot) {
  const auto v = load(aggregate);
  const std::uint64_t bits = server_broadcast(ctx, server_codec, v, received, round, slot);
  keep_residual(received);
  return bits;
}

}  // namespace dcopt

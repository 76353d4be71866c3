#include "dcopt/methods/blocks/error_memory.hpp"

namespace dcopt {

template <class T>
std::span<const T> ErrorMemory<T>::load(std::span<const T> x, double scale) {
  vec::copy(e_, v_);
  vec::axpy(T(scale), x, v_);
  return v_;
}

template <class T>
void ErrorMemory<T>::keep_residual(std::span<const T> decoded) {
  vec::sub(v_, decoded, e_);
}

template <class T>
std::uint64_t ErrorMemory<T>::exchange(WorkerContext& ctx, Exchange<T>& exchange,
                                       const Compressor& codec, std::span<const T> x, double scale,
                                       std::span<T> avg, std::uint64_t round,
                                       BasicExchangeOptions<T> opt) {
  const auto v = load(x, scale);
  opt.my_decoded = decoded_;
  const std::uint64_t bits = exchange.average(ctx, codec, v, avg, round, opt);
  keep_residual(decoded_);
  return bits;
}

template <class T>
std::uint64_t ErrorMemory<T>::broadcast(const WorkerContext& ctx, Exchange<T>& exchange,
                                        const Compressor& server_codec,
                                        std::span<const T> aggregate, std::span<T> received,
                                        std::uint64_t round) {
  const auto v = load(aggregate);
  const std::uint64_t bits = exchange.broadcast(ctx, server_codec, v, received, round);
  keep_residual(received);
  return bits;
}

template class ErrorMemory<double>;
template class ErrorMemory<float>;

}  // namespace dcopt

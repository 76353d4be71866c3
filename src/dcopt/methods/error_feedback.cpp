#include "dcopt/methods/error_feedback.hpp"

namespace dcopt {

ErrorFeedback::ErrorFeedback(std::size_t dim) : error_(dim), corrected_(dim), mine_(dim) {}

std::uint64_t ErrorFeedback::exchange(WorkerContext& ctx, const Compressor& codec,
                                      std::span<const double> v, std::span<double> avg,
                                      std::uint64_t round, unsigned slot,
                                      const ExchangeOptions& opt) {
  vec::copy(v, corrected_);
  vec::axpy(1.0, error_, corrected_);
  ExchangeOptions o = opt;
  o.my_decoded = mine_;
  std::uint64_t bits = average_compressed(ctx, codec, corrected_, avg, round, slot, o);
  vec::sub(corrected_, mine_, error_);
  return bits;
}

}  // namespace dcopt

#include "dcopt/methods/blocks/compressed_shift.hpp"

#include <stdexcept>

namespace dcopt {

CompressedShift::CompressedShift(std::size_t dim, double alpha)
    : alpha_(alpha), local_(dim), mean_(dim), diff_(dim), msg_(dim), my_msg_(dim) {
  if (!(alpha > 0.0 && alpha <= 1.0)) {
    throw std::invalid_argument("CompressedShift: alpha must be in (0, 1]");
  }
}

void CompressedShift::reset(std::span<const double> local, std::span<const double> mean) {
  vec::copy(local, local_);
  vec::copy(mean, mean_);
}

std::uint64_t CompressedShift::exchange(WorkerContext& ctx, const Compressor& codec,
                                        std::span<const double> v, std::uint64_t round,
                                        unsigned slot, const ExchangeOptions& opt) {
  vec::sub(v, local_, diff_);
  ExchangeOptions o = opt;
  o.my_decoded = my_msg_;
  return average_compressed(ctx, codec, diff_, msg_, round, slot, o);
}

void CompressedShift::advance() {
  vec::axpy(alpha_, my_msg_, local_);
  vec::axpy(alpha_, msg_, mean_);
}

}  // namespace dcopt

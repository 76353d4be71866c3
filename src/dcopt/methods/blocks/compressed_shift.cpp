#include "dcopt/methods/blocks/compressed_shift.hpp"

#include <stdexcept>

#include "dcopt/core/vec.hpp"

namespace dcopt {

template <class T>
CompressedShift<T>::CompressedShift(std::size_t dim, double alpha)
    : alpha_(alpha), local_(dim), mean_(dim), diff_(dim), msg_(dim), my_msg_(dim) {
  if (!(alpha > 0.0 && alpha <= 1.0)) {
    throw std::invalid_argument("CompressedShift: alpha must be in (0, 1]");
  }
}

template <class T>
void CompressedShift<T>::reset(std::span<const T> local, std::span<const T> mean) {
  vec::copy(local, local_);
  vec::copy(mean, mean_);
}

template <class T>
std::uint64_t CompressedShift<T>::exchange(WorkerContext& ctx, Exchange<T>& exchange,
                                           const Compressor& codec, std::span<const T> v,
                                           std::uint64_t round,
                                           const BasicExchangeOptions<T>& opt) {
  vec::sub(v, local_, diff_);
  BasicExchangeOptions<T> o = opt;
  o.my_decoded = my_msg_;
  return exchange.average(ctx, codec, diff_, msg_, round, o);
}

template <class T>
void CompressedShift<T>::advance() {
  vec::axpy(T(alpha_), my_msg_, local_);
  vec::axpy(T(alpha_), msg_, mean_);
}

template <class T>
void CompressedShift<T>::save(StateWriter& w, std::string_view prefix) const {
  write_values(w, std::string(prefix) + ".h_local", std::span<const T>(local_));
  write_values(w, std::string(prefix) + ".h_mean", std::span<const T>(mean_));
}

template <class T>
void CompressedShift<T>::load(StateReader& r, std::string_view prefix) {
  read_values(r, std::string(prefix) + ".h_local", std::span<T>(local_));
  read_values(r, std::string(prefix) + ".h_mean", std::span<T>(mean_));
}

template class CompressedShift<double>;
template class CompressedShift<float>;

}  // namespace dcopt

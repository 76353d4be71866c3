#include "dcopt/methods/estimators/gradient_oracle.hpp"

#include <algorithm>

namespace dcopt {

template <class T>
void GradientOracle<T>::minibatch_gradient_difference(std::span<const T> x,
                                                      std::span<const T> x_old,
                                                      std::span<const std::uint32_t> idx,
                                                      std::span<T> out) {
  const std::span<const T> at_x = minibatch_gradient(x, idx);
  std::copy(at_x.begin(), at_x.end(), out.begin());
  const std::span<const T> at_old = minibatch_gradient(x_old, idx);
  for (std::size_t j = 0; j < out.size(); ++j) out[j] -= at_old[j];
}

template class GradientOracle<double>;
template class GradientOracle<float>;

}  // namespace dcopt

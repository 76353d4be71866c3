#include "dcopt/methods/estimators/objective_oracle.hpp"

#include <algorithm>
#include <type_traits>

namespace dcopt {

template <class T>
ObjectiveOracle<T>::ObjectiveOracle(const Objective& f) : f_(f), g_(f.dim()) {
  if constexpr (!std::is_same_v<T, double>) {
    x64_.resize(f.dim());
    g64_.resize(f.dim());
  }
}

template <class T>
std::span<const T> ObjectiveOracle<T>::gradient(std::span<const T> x) {
  if constexpr (std::is_same_v<T, double>) {
    f_.gradient(x, g_);
  } else {
    std::copy(x.begin(), x.end(), x64_.begin());
    f_.gradient(x64_, g64_);
    std::transform(g64_.begin(), g64_.end(), g_.begin(), [](double v) { return T(v); });
  }
  return g_;
}

template <class T>
std::span<const T> ObjectiveOracle<T>::minibatch_gradient(std::span<const T> x,
                                                          std::span<const std::uint32_t> idx) {
  if constexpr (std::is_same_v<T, double>) {
    f_.minibatch_gradient(x, idx, g_);
  } else {
    std::copy(x.begin(), x.end(), x64_.begin());
    f_.minibatch_gradient(x64_, idx, g64_);
    std::transform(g64_.begin(), g64_.end(), g_.begin(), [](double v) { return T(v); });
  }
  return g_;
}

template class ObjectiveOracle<double>;
template class ObjectiveOracle<float>;

}  // namespace dcopt

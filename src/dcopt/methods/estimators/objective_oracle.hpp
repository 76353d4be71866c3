#pragma once
// A problems/Objective (fp64, const) seen as a GradientOracle<T>. For T = double it evaluates
// in place; for T = float it evaluates the fp64 objective at the float point (each x_j widened
// exactly) and rounds the gradient to float, so a float run sees the same problem.
#include <vector>

#include "dcopt/methods/estimators/gradient_oracle.hpp"
#include "dcopt/problems/objective.hpp"

namespace dcopt {

template <class T>
class ObjectiveOracle final : public GradientOracle<T> {
 public:
  explicit ObjectiveOracle(const Objective& f);

  std::size_t dim() const override { return f_.dim(); }
  std::size_t num_samples() const override { return f_.num_samples(); }
  std::span<const T> gradient(std::span<const T> x) override;
  std::span<const T> minibatch_gradient(std::span<const T> x,
                                        std::span<const std::uint32_t> idx) override;

  std::optional<double> smoothness() const override { return f_.smoothness(); }
  std::optional<double> mean_sample_smoothness() const override {
    return f_.mean_sample_smoothness();
  }
  std::optional<double> strong_convexity() const override { return f_.strong_convexity(); }

  const Objective& objective() const { return f_; }

 private:
  const Objective& f_;
  std::vector<T> g_;
  std::vector<double> x64_, g64_;  // float only: the widened point and the fp64 gradient
};

extern template class ObjectiveOracle<double>;
extern template class ObjectiveOracle<float>;

}  // namespace dcopt

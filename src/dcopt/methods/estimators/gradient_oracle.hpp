#pragma once
// The gradient oracle an estimator asks (DESIGN.md, "Oracles that are not const"): one worker's
// f_i, over parameters of element type T (double for the convex problems, float for networks).
//
// Unlike problems/Objective it may be stateful (a network with a data loader, dropout), it owns
// the buffer its gradients are written into (a network's backward writes straight into its flat
// gradient buffer), and it knows no constants: theory stepsizes come from elsewhere
// (ProblemConstants) when they exist at all. Calls are made by the worker's own thread only.
//
// Ownership: x is the caller's (a model's parameter buffer, a method's iterate) and is only
// read. A returned gradient is a view of the oracle's own buffer, valid until the next call.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace dcopt {

template <class T>
class GradientOracle {
 public:
  virtual ~GradientOracle() = default;

  /// d, the length of x.
  virtual std::size_t dim() const = 0;
  /// m, the number of local samples minibatch indices address (1 if f_i is not a finite sum).
  virtual std::size_t num_samples() const = 0;

  /// grad f_i(x) over all local data.
  virtual std::span<const T> gradient(std::span<const T> x) = 0;
  /// (1/|idx|) sum_{j in idx} grad f_ij(x); idx may repeat, each entry < num_samples().
  virtual std::span<const T> minibatch_gradient(std::span<const T> x,
                                                std::span<const std::uint32_t> idx) = 0;
  /// out = minibatch_gradient(x, idx) - minibatch_gradient(x_old, idx): the same samples at two
  /// points (VR-MARINA, VR-DIANA). The default makes the two calls; an oracle that can evaluate
  /// both points without loading its model twice overrides it.
  virtual void minibatch_gradient_difference(std::span<const T> x, std::span<const T> x_old,
                                             std::span<const std::uint32_t> idx, std::span<T> out);

  /// Optional constants (a network knows none): L_i, the smoothness of grad f_i; calligraphic
  /// L_i = sqrt(mean_j L_ij^2); mu_i if f_i is known to be mu_i-strongly convex. A method whose
  /// theory needs a missing constant asks the user for its stepsize instead.
  virtual std::optional<double> smoothness() const { return std::nullopt; }
  virtual std::optional<double> mean_sample_smoothness() const { return std::nullopt; }
  virtual std::optional<double> strong_convexity() const { return std::nullopt; }
};

extern template class GradientOracle<double>;
extern template class GradientOracle<float>;

}  // namespace dcopt

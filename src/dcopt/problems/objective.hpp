#pragma once
// The minimization oracle of one worker: f_i, possibly a finite sum f_i = (1/m) sum_j f_ij.
// Methods call these tens of thousands of times, so implementations do not allocate per call.
// All methods are const and keep no mutable state: one object may serve several threads.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace dcopt {

class Objective {
 public:
  virtual ~Objective() = default;

  /// d, the length of x.
  virtual std::size_t dim() const = 0;
  /// m, the number of terms f_ij (1 if f_i is not a finite sum).
  virtual std::size_t num_samples() const = 0;
  /// f_i(x). x.size() == dim().
  virtual double value(std::span<const double> x) const = 0;
  /// g = grad f_i(x) (overwritten). g.size() == dim().
  virtual void gradient(std::span<const double> x, std::span<double> g) const = 0;
  /// g = (1/|idx|) sum_{j in idx} grad f_ij(x), the regularizer included in every term, so the
  /// mean over idx = {0..m-1} equals gradient(). idx may repeat; each entry < num_samples().
  virtual void minibatch_gradient(std::span<const double> x, std::span<const std::uint32_t> idx,
                                  std::span<double> g) const = 0;
  /// f_i(x) and g = grad f_i(x) in one pass (cheaper than value() + gradient() for data terms).
  virtual double value_and_gradient(std::span<const double> x, std::span<double> g) const {
    gradient(x, g);
    return value(x);
  }
  /// L_i: an upper bound on the Lipschitz constant of grad f_i (Euclidean norm).
  virtual double smoothness() const = 0;
  /// Calligraphic L_i = sqrt((1/m) sum_j L_ij^2), L_ij the smoothness of f_ij: the average
  /// smoothness variance-reduced methods use (equals L_i when m == 1).
  virtual double mean_sample_smoothness() const = 0;
  /// mu_i if f_i is known to be mu_i-strongly convex (mu_i may be 0 for merely convex f_i);
  /// nullopt if f_i may be non-convex or its modulus is unknown.
  virtual std::optional<double> strong_convexity() const { return std::nullopt; }
};

}  // namespace dcopt

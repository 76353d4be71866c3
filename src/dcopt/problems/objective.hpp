#pragma once
// One worker's objective f_i, possibly a finite sum f_i = (1/m) sum_j f_ij.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace dcopt {

class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::size_t dim() const = 0;
  virtual std::size_t num_samples() const = 0;
  virtual double value(std::span<const double> x) const = 0;
  virtual void gradient(std::span<const double> x, std::span<double> g) const = 0;
  virtual void minibatch_gradient(std::span<const double> x, std::span<const std::uint32_t> idx,
                                  std::span<double> g) const = 0;
  virtual double smoothness() const = 0;
  virtual double mean_sample_smoothness() const = 0;
  virtual std::optional<double> strong_convexity() const { return std::nullopt; }
};

}  // namespace dcopt

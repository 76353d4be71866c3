#pragma once
// The groupwise normalized update of ScaLA's algorithm box (Zhang, Naresh, He 2022, Algorithm 1
// line 13 and §3.1 "Outer Minimization"; ALGORITHMS.md §6.2), per tensor i of the layout:
//   x_i = x_i - lr * nu(||x_i||) * g_i / ||g_i||,   nu(c) = max(L, min(c, U))
// with g the aggregated gradient: plain normalized gradient descent per tensor, no moments and no
// weight decay (the box has none). Every tensor therefore moves by exactly lr * nu(||x_i||) in
// 2-norm, whatever the gradient's scale. The norms are each tensor's own (ParamLayout::norms, in
// double), never one norm over the flat buffer.
// Edge cases the box leaves open: a tensor whose gradient is 0 does not move (g/||g|| has no
// direction); a tensor whose parameters are 0 moves by lr * L, so with the default L = 0 a
// zero-initialized tensor (e.g. a fresh bias) never moves - set nu_min > 0 to move it.
// Arithmetic: scale_i = float(lr * nu(||x_i||) / ||g_i||) computed in double, then
// x = x - scale_i * g in float.
#include <limits>
#include <vector>

#include "dcopt/optim/update_rule.hpp"

namespace dcopt {

struct NormalizedUpdateOptions {
  double nu_min = 0.0;   ///< L >= 0 (the paper's example value)
  double nu_max = 10.0;  ///< U > L, may be +inf (the paper's example value)
};

class NormalizedUpdate final : public UpdateRule {
 public:
  /// InvalidArgument (naming the option) unless 0 <= nu_min < nu_max.
  NormalizedUpdate(const ParamLayout& layout, NormalizedUpdateOptions options);

  std::string name() const override { return "normalized"; }
  std::string spec() const override;
  const ParamLayout& layout() const override { return layout_; }
  void step(std::span<float> params, std::span<const float> grad, double lr) override;
  std::uint64_t steps() const override { return steps_; }
  /// The state is the header alone (spec, layout, step count): the rule has no moments.
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  const NormalizedUpdateOptions& options() const { return options_; }
  /// nu(c) = max(nu_min, min(c, nu_max)).
  double nu(double c) const;
  /// The last step's factor nu(||x_i||) / ||g_i|| per tensor (0 where g_i = 0; all 0 before the
  /// first step). Not state: recomputed every step, not saved.
  std::span<const double> scales() const { return scale_; }

 private:
  ParamLayout layout_;
  NormalizedUpdateOptions options_;
  std::vector<double> x_norms_, g_norms_, scale_;  // scratch, sized at construction
  std::uint64_t steps_ = 0;
};

}  // namespace dcopt

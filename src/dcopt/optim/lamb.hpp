#pragma once
// LAMB (You et al., ICLR 2020; ALGORITHMS.md §6.1): Adam's direction, rescaled per tensor of the
// layout by a trust ratio. Per step t (counted from 1):
//   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2            (adam_moments.hpp)
//   m_hat = m / (1 - b1^t) ;  v_hat = v / (1 - b2^t)            (bias_correction; else m, v)
//   r = m_hat / (sqrt(v_hat) + eps)
//   per tensor l:  u_l = r_l + wd * x_l                          (wd only where the mask decays)
//                  trust_l = phi(||x_l||) / ||u_l||,  phi(z) = min(max(z, trust_clip_min),
//                            trust_clip_max);  trust_l = 1 if ||x_l|| = 0 or ||u_l|| = 0
//                  x_l = x_l - lr * trust_l * u_l
// The norms are each tensor's own (ParamLayout::norms, in double), never one norm over the flat
// buffer: that would turn LAMB into Adam with one global step-size factor.
// Float arithmetic in the order written with float coefficients float(1 - b1^t),
// float(1 - b2^t), float(eps), float(wd) and float(lr * trust_l) (the last computed in double).
#include <limits>
#include <vector>

#include "dcopt/optim/adam_moments.hpp"
#include "dcopt/optim/update_rule.hpp"

namespace dcopt {

struct LambOptions {
  double beta1 = 0.9;          ///< in [0, 1)
  double beta2 = 0.999;        ///< in [0, 1)
  double eps = 1e-6;           ///< > 0
  double weight_decay = 0.01;  ///< lambda >= 0
  bool bias_correction = true;
  /// phi's clip range, 0 <= min <= max (the defaults make phi the identity, as in BERT's setup).
  double trust_clip_min = 0.0;
  double trust_clip_max = std::numeric_limits<double>::infinity();
  /// Tensor-name globs exempt from weight decay.
  std::vector<std::string> no_decay{"*.bias", "*norm*", "*bn*"};
};

class Lamb final : public UpdateRule {
 public:
  /// InvalidArgument (naming the option) for an option out of range.
  Lamb(const ParamLayout& layout, LambOptions options);

  std::string name() const override { return "lamb"; }
  std::string spec() const override;
  const ParamLayout& layout() const override { return layout_; }
  void step(std::span<float> params, std::span<const float> grad, double lr) override;
  std::uint64_t steps() const override { return steps_; }
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  const LambOptions& options() const { return options_; }
  /// The last step's trust ratio per tensor of the layout (all 0 before the first step). Not
  /// state: recomputed every step, not saved.
  std::span<const double> trust_ratios() const { return trust_; }

 private:
  ParamLayout layout_;
  LambOptions options_;
  std::vector<bool> decays_;
  std::vector<float> m_, v_;
  // Scratch, sized at construction: the direction u (gaps stay 0) and the per-tensor norms.
  std::vector<float> u_;
  std::vector<double> x_norms_, u_norms_, trust_;
  std::uint64_t steps_ = 0;
};

}  // namespace dcopt

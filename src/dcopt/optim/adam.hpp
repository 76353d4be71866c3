#pragma once
// Adam and AdamW, torch.optim.Adam's and torch.optim.AdamW's semantics (no amsgrad), one class:
// the two differ only in where weight decay enters. Per step t (counted from 1):
//   Adam:   g = g + wd * p                         (coupled: the decay goes through the moments)
//   AdamW:  p = p * (1 - lr * wd)                  (decoupled: the decay bypasses them)
//   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2          (adam_moments.hpp)
//   denom = sqrt(v) / sqrt(1 - b2^t) + eps
//   p = p - (lr / (1 - b1^t)) * (m / denom)
// Weight decay is skipped on tensors the mask excludes. Float arithmetic in the order written,
// with the float coefficients float(wd), float(1 - lr*wd), float(sqrt(1 - b2^t)), float(eps),
// float(lr / (1 - b1^t)) each computed in double.
#include <vector>

#include "dcopt/optim/adam_moments.hpp"
#include "dcopt/optim/update_rule.hpp"

namespace dcopt {

struct AdamOptions {
  double beta1 = 0.9;         ///< in [0, 1)
  double beta2 = 0.999;       ///< in [0, 1)
  double eps = 1e-8;          ///< > 0
  double weight_decay = 0.0;  ///< >= 0 (torch's defaults: 0 for Adam, 0.01 for AdamW)
  /// false: Adam (coupled decay); true: AdamW (decoupled decay).
  bool decoupled = false;
  /// Tensor-name globs exempt from weight decay (weight_decay_mask.hpp has the defaults).
  std::vector<std::string> no_decay;
};

class Adam final : public UpdateRule {
 public:
  /// InvalidArgument (naming the option) for an option out of range.
  Adam(const ParamLayout& layout, AdamOptions options);

  /// "adam", or "adamw" when decoupled.
  std::string name() const override { return options_.decoupled ? "adamw" : "adam"; }
  std::string spec() const override;
  const ParamLayout& layout() const override { return layout_; }
  void step(std::span<float> params, std::span<const float> grad, double lr) override;
  std::uint64_t steps() const override { return steps_; }
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  const AdamOptions& options() const { return options_; }
  std::span<const float> first_moment() const { return m_; }
  std::span<const float> second_moment() const { return v_; }

 private:
  ParamLayout layout_;
  AdamOptions options_;
  std::vector<bool> decays_;
  std::vector<float> m_, v_;
  std::uint64_t steps_ = 0;
};

}  // namespace dcopt

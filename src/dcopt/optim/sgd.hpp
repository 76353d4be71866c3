#pragma once
// SGD with momentum, torch.optim.SGD's semantics (coupled weight decay, dampening, Nesterov):
//   d = g + wd * p                      (skipped on tensors the weight-decay mask excludes)
//   momentum mu > 0:  buf = d on the first step, else buf = mu * buf + (1 - dampening) * d
//                     d = d + mu * buf (nesterov), else d = buf
//   p = p - lr * d
// Float arithmetic with the coefficients float(wd), float(mu), float(1 - dampening), float(lr),
// evaluated in exactly the order written above.
#include <vector>

#include "dcopt/optim/update_rule.hpp"

namespace dcopt {

struct SgdOptions {
  double momentum = 0.0;      ///< mu >= 0
  double dampening = 0.0;     ///< in [0, 1]
  bool nesterov = false;      ///< requires momentum > 0 and dampening = 0 (as torch)
  double weight_decay = 0.0;  ///< >= 0
  /// Tensor-name globs exempt from weight decay (torch's default: none).
  std::vector<std::string> no_decay;
};

class Sgd final : public UpdateRule {
 public:
  /// InvalidArgument (naming the option) for an option out of range or nesterov without
  /// momentum > 0 and dampening = 0.
  Sgd(const ParamLayout& layout, SgdOptions options);

  std::string name() const override { return "sgd"; }
  std::string spec() const override;
  const ParamLayout& layout() const override { return layout_; }
  void step(std::span<float> params, std::span<const float> grad, double lr) override;
  std::uint64_t steps() const override { return steps_; }
  void save(StateWriter& w) const override;
  void load(StateReader& r) override;

  const SgdOptions& options() const { return options_; }
  /// The momentum buffer (empty without momentum; meaningful once steps() > 0).
  std::span<const float> momentum_buffer() const { return buf_; }

 private:
  ParamLayout layout_;
  SgdOptions options_;
  std::vector<bool> decays_;
  std::vector<float> buf_;
  std::uint64_t steps_ = 0;
};

}  // namespace dcopt

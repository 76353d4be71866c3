// The ProblemInstance of a minimization problem (problem_instance.hpp).
#include <cmath>

#include "dcopt/core/vec.hpp"
#include "dcopt/experiment/problem_instance.hpp"
#include "dcopt/methods/method_catalog.hpp"
#include "dcopt/methods/minimization/problem_constants.hpp"

namespace dcopt {
namespace {

class MinimizationInstance final : public ProblemInstance {
 public:
  explicit MinimizationInstance(std::shared_ptr<const Objective> f)
      : f_(std::move(f)), x0_(f_->dim(), 0.0), grad_(f_->dim()) {}

  std::size_t dim() const override { return f_->dim(); }
  const std::vector<std::string>& metric_names() const override { return names_; }

  void prepare(WorkerContext& ctx) override { constants_ = gather_constants(ctx, *f_); }

  std::map<std::string, double> constants() const override {
    std::map<std::string, double> c = {{"L_f", constants_.L_f},
                                       {"L_tilde", constants_.L_tilde},
                                       {"L_max", constants_.L_max},
                                       {"L_samples", constants_.L_samples},
                                       {"dim", static_cast<double>(constants_.dim)},
                                       {"m_min", static_cast<double>(constants_.m_min)},
                                       {"m_max", static_cast<double>(constants_.m_max)}};
    // mu is reported as NaN (null in JSON) when not every f_i declares one.
    c["mu"] = constants_.mu ? *constants_.mu : std::nan("");
    return c;
  }

  std::unique_ptr<Method> make_method(const std::string& name, const Settings& s) const override {
    return make_minimization_method(name, s, MinimizationSetup{*f_, constants_, x0_});
  }

  void evaluate(WorkerContext& ctx, std::span<const double> x, std::span<double> sums,
                std::span<double> metrics) override {
    const std::size_t d = f_->dim();
    // One allreduce carries grad f_i (d), f_i, ||grad f_i||^2 and the caller's sums.
    buffer_.resize(d + 2 + sums.size());
    std::span<double> buf(buffer_);
    const double value = f_->value_and_gradient(x, grad_);
    vec::copy(grad_, buf.first(d));
    buf[d] = value;
    buf[d + 1] = vec::norm2_sq(grad_);
    vec::copy(sums, buf.subspan(d + 2));
    ctx.comm.allreduce_sum(buf);
    const double inv_n = 1.0 / static_cast<double>(ctx.size());
    metrics[0] = vec::norm2_sq(buf.first(d)) * inv_n * inv_n;
    metrics[1] = buf[d + 1] * inv_n;
    metrics[2] = buf[d] * inv_n;
    vec::copy(buf.subspan(d + 2), sums);
  }

 private:
  std::shared_ptr<const Objective> f_;
  std::vector<std::string> names_ = {"grad_norm_sq", "mean_local_grad_norm_sq", "loss"};
  ProblemConstants constants_;
  vec::Vec x0_, grad_, buffer_;
};

}  // namespace

std::unique_ptr<ProblemInstance> make_minimization_instance(std::shared_ptr<const Objective> f) {
  return std::make_unique<MinimizationInstance>(std::move(f));
}

}  // namespace dcopt

#include "dcopt/methods/minimization/dcgd.hpp"

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

class Dcgd final : public Method {
 public:
  Dcgd(const Settings& s, const MinimizationSetup& setup)
      : f_(setup.objective),
        opt_(read_method_options(s, "randk:k=1")),
        x_(setup.x0),
        grad_(x_.size()),
        avg_(x_.size()),
        g_(x_.size()) {
    const ProblemConstants& c = setup.constants;
    omega_ = require_unbiased(s, *opt_.codec, c.dim, "DCGD",
                              "its average of compressed gradients must be unbiased")
                 .omega;
    theory_gamma_ = 1.0 / (c.L_f + c.L_max * omega_ / c.workers);
    gamma_ = opt_.stepsize(theory_gamma_);
  }

  std::string name() const override { return "dcgd"; }
  StepCost init(WorkerContext&) override { return {}; }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    f_.gradient(x_, grad_);
    cost.full_grads = 1;
    cost.bits_up = average_compressed(ctx, *opt_.codec, grad_, avg_, round, 0);
    cost.bits_down = server_broadcast(ctx, *opt_.server, avg_, g_, round, 0);
    vec::axpy(-gamma_, g_, x_);
    return cost;
  }

  std::span<const double> iterate() const override { return x_; }
  std::string codec() const override { return opt_.codec->spec(); }
  std::map<std::string, double> parameters() const override {
    return {{"gamma", gamma_}, {"gamma_theory", theory_gamma_}, {"omega", omega_}};
  }

 private:
  const Objective& f_;
  MethodOptions opt_;
  double omega_ = 0, gamma_ = 0, theory_gamma_ = 0;
  vec::Vec x_, grad_, avg_, g_;
};

}  // namespace

std::unique_ptr<Method> make_dcgd(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<Dcgd>(s, setup);
}

}  // namespace dcopt

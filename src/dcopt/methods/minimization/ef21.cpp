#include "dcopt/methods/minimization/ef21.hpp"

#include <cmath>

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/blocks/compressed_shift.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

class Ef21 final : public Method {
 public:
  Ef21(const Settings& s, const MinimizationSetup& setup)
      : f_(setup.objective),
        opt_(read_method_options(s, "topk:k=1")),
        use_(require_contractive(s, *opt_.codec, setup.constants.dim, "EF21",
                                 s.boolean("scale_unbiased", false))),
        exact_init_(s.choice("init", "exact", {"exact", "compressed"}) == "exact"),
        shift_(setup.x0.size(), 1.0),
        x_(setup.x0),
        grad_(x_.size()),
        avg_(x_.size()),
        g_(x_.size()) {
    const ProblemConstants& c = setup.constants;
    const double alpha = 1.0 / use_.delta;
    const double root = std::sqrt(1.0 - alpha);
    // sqrt(beta/theta) = sqrt(1-alpha) / (1 - sqrt(1-alpha)); 0 for the identity (alpha = 1).
    const double ratio = root / (1.0 - root);
    theory_gamma_ = 1.0 / (c.L_f + c.L_tilde * ratio);
    gamma_ = opt_.stepsize(theory_gamma_);
  }

  std::string name() const override { return "ef21"; }

  StepCost init(WorkerContext& ctx) override {
    StepCost cost;
    f_.gradient(x_, grad_);
    cost.full_grads = 1;
    if (exact_init_) {
      cost.bits_up = average_compressed(ctx, *opt_.dense, grad_, avg_, 0, 0);
      shift_.reset(grad_, avg_);
    } else {
      cost.bits_up = shift_.exchange(ctx, *opt_.codec, grad_, 0, 0, options());
      shift_.advance();
    }
    cost.bits_down = server_broadcast(ctx, *opt_.server, shift_.mean(), g_, 0, 0);
    return cost;
  }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    vec::axpy(-gamma_, g_, x_);
    f_.gradient(x_, grad_);
    cost.full_grads = 1;
    cost.bits_up = shift_.exchange(ctx, *opt_.codec, grad_, round, 0, options());
    shift_.advance();
    cost.bits_down = server_broadcast(ctx, *opt_.server, shift_.mean(), g_, round, 0);
    return cost;
  }

  std::span<const double> iterate() const override { return x_; }
  std::string codec() const override { return opt_.codec->spec(); }
  std::map<std::string, double> parameters() const override {
    return {{"gamma", gamma_},
            {"gamma_theory", theory_gamma_},
            {"delta", use_.delta},
            {"codec_scale", use_.scale},
            {"exact_init", exact_init_ ? 1.0 : 0.0}};
  }

 private:
  ExchangeOptions options() const {
    ExchangeOptions o;
    o.scale = use_.scale;
    return o;
  }

  const Objective& f_;
  MethodOptions opt_;
  ContractiveUse use_;
  bool exact_init_;
  CompressedShift shift_;
  double gamma_ = 0, theory_gamma_ = 0;
  vec::Vec x_, grad_, avg_, g_;
};

}  // namespace

std::unique_ptr<Method> make_ef21(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<Ef21>(s, setup);
}

}  // namespace dcopt

#include "dcopt/methods/minimization/ef.hpp"

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/blocks/error_memory.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

class Ef final : public Method {
 public:
  Ef(const Settings& s, const MinimizationSetup& setup)
      : f_(setup.objective),
        opt_(read_method_options(s, "topk:k=1")),
        use_(require_contractive(s, *opt_.codec, setup.constants.dim, "EF",
                                 s.boolean("scale_unbiased", false))),
        memory_(setup.x0.size()),
        x_(setup.x0),
        v_(x_.size()),
        avg_(x_.size()),
        u_(x_.size()) {
    theory_gamma_ = 1.0 / (use_.delta * setup.constants.L_f);
    gamma_ = opt_.stepsize(theory_gamma_);
  }

  std::string name() const override { return "ef"; }
  StepCost init(WorkerContext&) override { return {}; }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    f_.gradient(x_, v_);
    cost.full_grads = 1;
    vec::scale(gamma_, v_);
    ExchangeOptions o;
    o.scale = use_.scale;
    cost.bits_up = memory_.exchange(ctx, *opt_.codec, v_, 1.0, avg_, round, 0, o);
    cost.bits_down = server_broadcast(ctx, *opt_.server, avg_, u_, round, 0);
    vec::axpy(-1.0, u_, x_);
    return cost;
  }

  std::span<const double> iterate() const override { return x_; }
  std::string codec() const override { return opt_.codec->spec(); }
  std::map<std::string, double> parameters() const override {
    return {{"gamma", gamma_},
            {"gamma_theory", theory_gamma_},
            {"delta", use_.delta},
            {"codec_scale", use_.scale}};
  }

 private:
  const Objective& f_;
  MethodOptions opt_;
  ContractiveUse use_;
  ErrorMemory memory_;
  double gamma_ = 0, theory_gamma_ = 0;
  vec::Vec x_, v_, avg_, u_;
};

}  // namespace

std::unique_ptr<Method> make_ef(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<Ef>(s, setup);
}

}  // namespace dcopt

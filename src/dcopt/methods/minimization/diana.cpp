#include "dcopt/methods/minimization/diana.hpp"

#include <cmath>

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/blocks/compressed_shift.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

class Diana final : public Method {
 public:
  Diana(const Settings& s, const MinimizationSetup& setup)
      : f_(setup.objective),
        opt_(read_method_options(s, "randk:k=1")),
        omega_(require_unbiased(s, *opt_.codec, setup.constants.dim, "DIANA",
                                "its shifted estimator h + mean Q(grad - h) must be unbiased")
                   .omega),
        reference_(s.choice("variant", "textbook", {"textbook", "reference"}) == "reference"),
        shift_(setup.x0.size(), read_probability(s, "alpha", 1.0 / (omega_ + 1.0))),
        x_(setup.x0),
        grad_(x_.size()),
        est_(x_.size()),
        g_(x_.size()) {
    const ProblemConstants& c = setup.constants;
    std::string rule = s.choice("stepsize_rule", "auto", {"auto", "nonconvex", "convex"});
    convex_ = rule == "convex" || (rule == "auto" && c.mu.has_value());
    const double n = c.workers;
    L_ = c.L_max;
    theory_gamma_ = convex_ ? 1.0 / (L_ * (1.0 + 4.0 * omega_ / n))
                            : 1.0 / (10.0 * L_ * std::sqrt(1.0 + omega_ / n) * (omega_ + 2.0));
    gamma_ = opt_.stepsize(theory_gamma_);
  }

  std::string name() const override { return "diana"; }
  StepCost init(WorkerContext&) override { return {}; }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    f_.gradient(x_, grad_);
    cost.full_grads = 1;
    cost.bits_up = shift_.exchange(ctx, *opt_.codec, grad_, round, 0);
    if (reference_) {
      shift_.advance();
      vec::copy(shift_.mean(), est_);  // g^k = h^{k+1}
    } else {
      vec::copy(shift_.mean(), est_);  // g^k = h^k + m^k
      vec::axpy(1.0, shift_.message_mean(), est_);
      shift_.advance();
    }
    cost.bits_down = server_broadcast(ctx, *opt_.server, est_, g_, round, 0);
    vec::axpy(-gamma_, g_, x_);
    return cost;
  }

  std::span<const double> iterate() const override { return x_; }
  std::string codec() const override { return opt_.codec->spec(); }
  std::map<std::string, double> parameters() const override {
    return {{"gamma", gamma_},
            {"gamma_theory", theory_gamma_},
            {"alpha", shift_.alpha()},
            {"omega", omega_},
            {"L", L_},
            {"convex_rule", convex_ ? 1.0 : 0.0},
            {"reference_variant", reference_ ? 1.0 : 0.0}};
  }

 private:
  const Objective& f_;
  MethodOptions opt_;
  double omega_;
  bool reference_;
  CompressedShift shift_;
  bool convex_ = false;
  double L_ = 0, gamma_ = 0, theory_gamma_ = 0;
  vec::Vec x_, grad_, est_, g_;
};

}  // namespace

std::unique_ptr<Method> make_diana(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<Diana>(s, setup);
}

}  // namespace dcopt

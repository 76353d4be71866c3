#include "dcopt/methods/eg_vr.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/dense_method_options.hpp"
#include "dcopt/methods/exchange.hpp"
#include "dcopt/methods/operator_difference.hpp"
#include "dcopt/methods/prox_step.hpp"
#include "dcopt/methods/reference_point.hpp"
#include "dcopt/methods/unit_interval.hpp"

namespace dcopt {
namespace {

constexpr unsigned kDiffSlot = 0;
constexpr unsigned kRefreshSlot = 2;

class EgVr final : public Method {
 public:
  EgVr(const Settings& s, const ViSetup& setup)
      : op_(setup.op),
        h_(setup.h),
        opt_(read_dense_method_options(s, "eg_vr", "masha1")),
        z_(setup.z0),
        ref_(opt_.dense, z_.size(), kRefreshSlot),
        diff_(z_.size(), static_cast<std::size_t>(s.integer(
                             "batch", 1, 1, static_cast<std::int64_t>(setup.constants.r_min)))),
        zbar_(z_.size()),
        z_half_(z_.size()),
        delta_(z_.size()),
        avg_(z_.size()),
        D_(z_.size()) {
    const ViConstants& c = setup.constants;
    const double b = static_cast<double>(diff_.batch());
    p_ = s.number("p", std::min(1.0, b / static_cast<double>(c.r_max)), 1e-12, 1.0);
    alpha_ = read_half_open_unit(s, "alpha", 1.0 - p_);
    gamma0_ = s.number("gamma0", 0.5, 1e-12, 1.0);
    theory_gamma_ = gamma0_ * std::sqrt(1.0 - alpha_) / c.L_hat_terms;
    gamma_ = opt_.stepsize(theory_gamma_);
  }

  std::string name() const override { return "eg_vr"; }

  StepCost init(WorkerContext& ctx) override { return ref_.reset(ctx, op_, z_, 0); }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    ref_.mix(alpha_, z_, zbar_);
    prox_step(h_, gamma_, zbar_, ref_.F_w(), z_half_);
    StepCost cost = diff_(ctx, op_, round, z_half_, ref_.w(), ref_.F_m_w(), delta_);
    cost.bits_up += average_compressed(ctx, *opt_.dense, delta_, avg_, round, kDiffSlot);
    cost.bits_down += server_broadcast(ctx, *opt_.server, avg_, D_, round, kDiffSlot);
    prox_step(h_, gamma_, zbar_, ref_.F_w(), D_, z_);
    cost += ref_.maybe_reset(ctx, op_, z_, p_, round);
    return cost;
  }

  std::span<const double> iterate() const override { return z_; }
  std::string codec() const override { return opt_.codec->spec(); }
  std::map<std::string, double> parameters() const override {
    return {{"gamma", gamma_},   {"gamma_theory", theory_gamma_},
            {"p", p_},           {"alpha", alpha_},
            {"gamma0", gamma0_}, {"batch", static_cast<double>(diff_.batch())}};
  }

 private:
  const Operator& op_;
  const CompositeTerm& h_;
  MethodOptions opt_;
  vec::Vec z_;
  ReferencePoint ref_;
  OperatorDifference diff_;
  vec::Vec zbar_, z_half_, delta_, avg_, D_;
  double p_ = 1, alpha_ = 0, gamma0_ = 0.5, theory_gamma_ = 0, gamma_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_eg_vr(const Settings& s, const ViSetup& setup) {
  return std::make_unique<EgVr>(s, setup);
}

}  // namespace dcopt

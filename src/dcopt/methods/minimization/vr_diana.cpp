#include "dcopt/methods/minimization/vr_diana.hpp"

#include <cmath>
#include <vector>

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/blocks/compressed_shift.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

class VrDiana final : public Method {
 public:
  VrDiana(const Settings& s, const MinimizationSetup& setup)
      : f_(setup.objective),
        opt_(read_method_options(s, "randk:k=1")),
        omega_(require_unbiased(s, *opt_.codec, setup.constants.dim, "VR-DIANA",
                                "its shifted estimator must be unbiased")
                   .omega),
        m_(setup.constants.m_min),
        b_(read_count(s, "batch", (m_ + 99) / 100, m_, "local samples m")),
        shift_(setup.x0.size(), read_probability(s, "alpha", 1.0 / (omega_ + 1.0))),
        x_(setup.x0),
        w_(setup.x0),
        mu_(x_.size()),
        at_x_(x_.size()),
        at_w_(x_.size()),
        v_(x_.size()),
        est_(x_.size()),
        g_(x_.size()) {
    const ProblemConstants& c = setup.constants;
    p_ = read_probability(s, "p", static_cast<double>(b_) / static_cast<double>(m_));
    const double m_eff = static_cast<double>(m_) / static_cast<double>(b_);
    L_ = std::max(c.L_max, c.L_samples);
    theory_gamma_ = 1.0 / (10.0 * L_ * std::sqrt(1.0 + omega_ / c.workers) *
                           (std::cbrt(m_eff * m_eff) + omega_ + 1.0));
    gamma_ = opt_.stepsize(theory_gamma_);
    batch_.reserve(b_);
  }

  std::string name() const override { return "vr_diana"; }

  StepCost init(WorkerContext&) override {
    // Reference point w_i = x^0 and its full gradient: local work, no communication.
    StepCost cost;
    f_.gradient(w_, mu_);
    cost.full_grads = 1;
    cost.sample_grads = f_.num_samples();
    return cost;
  }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    sample_minibatch_into(ctx, f_.num_samples(), b_, false, round, 0, batch_);
    f_.minibatch_gradient(x_, batch_, at_x_);
    f_.minibatch_gradient(w_, batch_, at_w_);
    cost.sample_grads = 2 * b_;
    vec::sub(at_x_, at_w_, v_);
    vec::axpy(1.0, mu_, v_);
    cost.bits_up = shift_.exchange(ctx, *opt_.codec, v_, round, 0);
    vec::copy(shift_.mean(), est_);
    vec::axpy(1.0, shift_.message_mean(), est_);
    shift_.advance();
    if (shared_coin(ctx, p_, round)) {
      vec::copy(x_, w_);
      f_.gradient(w_, mu_);
      cost.full_grads += 1;
      cost.sample_grads += f_.num_samples();
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
            {"p", p_},
            {"batch", static_cast<double>(b_)},
            {"L", L_}};
  }

 private:
  const Objective& f_;
  MethodOptions opt_;
  double omega_;
  std::size_t m_, b_;
  CompressedShift shift_;
  double p_ = 1, L_ = 0, gamma_ = 0, theory_gamma_ = 0;
  vec::Vec x_, w_, mu_, at_x_, at_w_, v_, est_, g_;
  std::vector<std::uint32_t> batch_;
};

}  // namespace

std::unique_ptr<Method> make_vr_diana(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<VrDiana>(s, setup);
}

}  // namespace dcopt

#include "dcopt/methods/minimization/vr_marina.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

// One class for both cases: they differ only in how the dense rounds estimate grad f_i (full
// pass vs b sampled terms) and in whether indices are drawn with replacement.
class VrMarina final : public Method {
 public:
  VrMarina(const Settings& s, const MinimizationSetup& setup, bool online)
      : f_(setup.objective),
        opt_(read_method_options(s, "randk:k=1")),
        online_(online),
        x_(setup.x0),
        x_prev_(x_.size()),
        dense_(x_.size()),
        at_new_(x_.size()),
        at_old_(x_.size()),
        diff_(x_.size()),
        avg_(x_.size()),
        g_server_(x_.size()),
        g_(x_.size()) {
    const ProblemConstants& c = setup.constants;
    const double d = static_cast<double>(c.dim);
    CompressorProperties q =
        require_unbiased(s, *opt_.codec, c.dim, online ? "VR-MARINA (online)" : "VR-MARINA",
                         "Thm 3.1 needs E[Q(x)] = x");
    omega_ = q.omega;
    const std::size_t m = c.m_min;
    double n_ref = 0;  // the m (finite sum) or b (online) of Cor. 3.1 / 3.2
    if (online) {
      // Draws are with replacement, so b > m is meaningful (it only reduces the variance).
      b_ = read_count(s, "batch", m, std::size_t{1} << 40, "samples per dense round");
      b_diff_ = read_count(s, "batch_diff", (b_ + 99) / 100, std::size_t{1} << 40,
                           "samples per compressed round");
      n_ref = static_cast<double>(b_);
    } else {
      b_diff_ = read_count(s, "batch", (m + 99) / 100, m, "local samples m");
      n_ref = static_cast<double>(c.m_max);
    }
    const double bd = static_cast<double>(b_diff_);
    p_ = read_probability(s, "p", std::min(q.expected_density / d, bd / (n_ref + bd)));
    L_ = c.L_tilde;
    L_samples_ = c.L_samples;
    theory_gamma_ =
        1.0 / (L_ + std::sqrt((1.0 - p_) / (p_ * c.workers) *
                              (omega_ * L_ * L_ + (1.0 + omega_) * L_samples_ * L_samples_ / bd)));
    gamma_ = opt_.stepsize(theory_gamma_);
    batch_.reserve(std::max(b_, b_diff_));
  }

  std::string name() const override { return online_ ? "vr_marina_online" : "vr_marina"; }

  StepCost init(WorkerContext& ctx) override {
    // g^0 = grad f(x^0) (online: the b-sample estimate): one dense exchange, the init cost.
    StepCost cost = dense_estimate(ctx, 0);
    cost.bits_up = average_compressed(ctx, *opt_.dense, dense_, g_server_, 0, 0);
    cost.bits_down = server_broadcast(ctx, *opt_.server, g_server_, g_, 0, 0);
    return cost;
  }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    vec::copy(x_, x_prev_);
    vec::axpy(-gamma_, g_, x_);
    if (shared_coin(ctx, p_, round)) {
      cost = dense_estimate(ctx, round);
      cost.bits_up = average_compressed(ctx, *opt_.dense, dense_, g_server_, round, 0);
    } else {
      // The same indices at both points: the difference has variance <= calL^2/b' ||dx||^2.
      sample_minibatch_into(ctx, f_.num_samples(), b_diff_, online_, round, 0, batch_);
      f_.minibatch_gradient(x_, batch_, at_new_);
      f_.minibatch_gradient(x_prev_, batch_, at_old_);
      cost.sample_grads = 2 * b_diff_;
      vec::sub(at_new_, at_old_, diff_);
      cost.bits_up = average_compressed(ctx, *opt_.codec, diff_, avg_, round, 0);
      vec::axpy(1.0, avg_, g_server_);
    }
    cost.bits_down = server_broadcast(ctx, *opt_.server, g_server_, g_, round, 0);
    return cost;
  }

  std::span<const double> iterate() const override { return x_; }
  std::string codec() const override { return opt_.codec->spec(); }
  std::map<std::string, double> parameters() const override {
    std::map<std::string, double> out = {{"gamma", gamma_},
                                         {"gamma_theory", theory_gamma_},
                                         {"p", p_},
                                         {"omega", omega_},
                                         {"L", L_},
                                         {"L_samples", L_samples_},
                                         {"batch_diff", static_cast<double>(b_diff_)}};
    if (online_) out["batch"] = static_cast<double>(b_);
    return out;
  }

 private:
  // dense_ = grad f_i(x) (finite sum: full pass) or its b-sample estimate (online).
  StepCost dense_estimate(const WorkerContext& ctx, std::uint64_t round) {
    StepCost cost;
    if (online_) {
      // Slot 1: independent of the slot-0 draws of compressed rounds.
      sample_minibatch_into(ctx, f_.num_samples(), b_, true, round, 1, batch_);
      f_.minibatch_gradient(x_, batch_, dense_);
      cost.sample_grads = b_;
    } else {
      f_.gradient(x_, dense_);
      cost.full_grads = 1;
      cost.sample_grads = f_.num_samples();
    }
    return cost;
  }

  const Objective& f_;
  MethodOptions opt_;
  bool online_;
  std::size_t b_ = 0, b_diff_ = 0;
  double omega_ = 0, p_ = 1, gamma_ = 0, theory_gamma_ = 0, L_ = 0, L_samples_ = 0;
  vec::Vec x_, x_prev_, dense_, at_new_, at_old_, diff_, avg_, g_server_, g_;
  std::vector<std::uint32_t> batch_;
};

}  // namespace

std::unique_ptr<Method> make_vr_marina(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<VrMarina>(s, setup, false);
}

std::unique_ptr<Method> make_vr_marina_online(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<VrMarina>(s, setup, true);
}

}  // namespace dcopt

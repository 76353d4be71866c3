#include "dcopt/methods/minimization/pp_marina.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/options/codec_requirements.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

class PpMarina final : public Method {
 public:
  PpMarina(const Settings& s, const MinimizationSetup& setup)
      : f_(setup.objective),
        opt_(read_method_options(s, "randk:k=1")),
        x_(setup.x0),
        x_prev_(x_.size()),
        grad_(x_.size()),
        grad_prev_(x_.size()),
        diff_(x_.size()),
        avg_(x_.size()),
        g_server_(x_.size()),
        g_(x_.size()),
        weights_(static_cast<std::size_t>(setup.constants.workers)) {
    const ProblemConstants& c = setup.constants;
    const auto n = static_cast<std::size_t>(c.workers);
    CompressorProperties q =
        require_unbiased(s, *opt_.codec, c.dim, "PP-MARINA", "Thm 4.1 needs E[Q(x)] = x");
    omega_ = q.omega;
    r_ = read_count(s, "clients", (n + 1) / 2, n, "workers n");
    sampling_ = s.choice("sampling", "with_replacement",
                         {"with_replacement", "without_replacement"}) == "with_replacement"
                    ? ClientSampling::with_replacement
                    : ClientSampling::without_replacement;
    const double r = static_cast<double>(r_);
    p_ = read_probability(s, "p",
                          std::min(1.0, q.expected_density * r / (static_cast<double>(c.dim) * n)));
    L_ = c.L_tilde;
    theory_gamma_ = 1.0 / (L_ * (1.0 + std::sqrt((1.0 - p_) * (1.0 + omega_) / (p_ * r))));
    gamma_ = opt_.stepsize(theory_gamma_);
  }

  std::string name() const override { return "pp_marina"; }

  StepCost init(WorkerContext& ctx) override {
    StepCost cost;
    f_.gradient(x_, grad_prev_);
    have_prev_ = true;
    cost.full_grads = 1;
    cost.bits_up = average_compressed(ctx, *opt_.dense, grad_prev_, g_server_, 0, 0);
    cost.bits_down = server_broadcast(ctx, *opt_.server, g_server_, g_, 0, 0);
    return cost;
  }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    vec::copy(x_, x_prev_);
    vec::axpy(-gamma_, g_, x_);
    if (shared_coin(ctx, p_, round)) {
      f_.gradient(x_, grad_);
      cost.full_grads = 1;
      cost.bits_up = average_compressed(ctx, *opt_.dense, grad_, g_server_, round, 0);
      std::swap(grad_, grad_prev_);
      have_prev_ = true;
    } else {
      sample_client_weights(ctx, r_, sampling_, round, weights_);
      const bool drawn = weights_[static_cast<std::size_t>(ctx.rank())] != 0.0;
      if (drawn) {
        if (!have_prev_) {
          f_.gradient(x_prev_, grad_prev_);
          cost.full_grads += 1;
        }
        f_.gradient(x_, grad_);
        cost.full_grads += 1;
        vec::sub(grad_, grad_prev_, diff_);
      }
      ExchangeOptions o;
      o.weights = weights_;
      cost.bits_up = average_compressed(ctx, *opt_.codec, diff_, avg_, round, 0, o);
      vec::axpy(1.0, avg_, g_server_);
      if (drawn) std::swap(grad_, grad_prev_);
      // An idle worker's cached gradient is now at an old point.
      have_prev_ = drawn;
    }
    cost.bits_down = server_broadcast(ctx, *opt_.server, g_server_, g_, round, 0);
    return cost;
  }

  std::span<const double> iterate() const override { return x_; }
  std::string codec() const override { return opt_.codec->spec(); }
  std::map<std::string, double> parameters() const override {
    return {{"gamma", gamma_},
            {"gamma_theory", theory_gamma_},
            {"p", p_},
            {"omega", omega_},
            {"L", L_},
            {"clients", static_cast<double>(r_)},
            {"with_replacement", sampling_ == ClientSampling::with_replacement ? 1.0 : 0.0}};
  }

 private:
  const Objective& f_;
  MethodOptions opt_;
  std::size_t r_ = 1;
  ClientSampling sampling_ = ClientSampling::with_replacement;
  double omega_ = 0, p_ = 1, gamma_ = 0, theory_gamma_ = 0, L_ = 0;
  bool have_prev_ = false;
  vec::Vec x_, x_prev_, grad_, grad_prev_, diff_, avg_, g_server_, g_;
  vec::Vec weights_;
};

}  // namespace

std::unique_ptr<Method> make_pp_marina(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<PpMarina>(s, setup);
}

}  // namespace dcopt

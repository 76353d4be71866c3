#include "dcopt/methods/minimization/marina.hpp"

#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/options/method_options.hpp"

namespace dcopt {
namespace {

class Marina final : public Method {
 public:
  Marina(const Settings& s, const MinimizationSetup& setup)
      : f_(setup.objective),
        opt_(read_method_options(s, "randk:k=1")),
        x_(setup.x0),
        grad_(x_.size()),
        grad_prev_(x_.size()),
        diff_(x_.size()),
        avg_(x_.size()),
        g_server_(x_.size()),
        g_(x_.size()) {
    const ProblemConstants& c = setup.constants;
    const double d = static_cast<double>(c.dim);
    CompressorProperties q = opt_.codec->properties(c.dim);
    if (!q.unbiased) {
      throw InvalidArgument(s.context() + ": codec '" + opt_.codec->spec() +
                            "' is biased; MARINA needs an unbiased codec (Thm 2.1 needs "
                            "E[Q(x)] = x; use EF21 for contractive codecs)");
    }
    omega_ = q.omega;
    p_ = read_probability(s, "p", std::min(1.0, q.expected_density / d));
    exchange_.streams =
        s.boolean("shared_indices", false) ? CodecStreams::shared : CodecStreams::independent;
    const double n = static_cast<double>(c.workers);
    theory_gamma_ = 1.0 / (c.L_tilde * (1.0 + std::sqrt((1.0 - p_) * omega_ / (p_ * n))));
    gamma_ = opt_.stepsize(theory_gamma_);
    L_ = c.L_tilde;
  }

  std::string name() const override { return "marina"; }

  StepCost init(WorkerContext& ctx) override {
    // g^0 = grad f(x^0): one uncompressed exchange, reported as the initialization cost.
    StepCost cost;
    f_.gradient(x_, grad_prev_);
    cost.full_grads = 1;
    cost.bits_up = average_compressed(ctx, *opt_.dense, grad_prev_, g_server_, 0, 0);
    cost.bits_down = server_broadcast(ctx, *opt_.server, g_server_, g_, 0, 0);
    return cost;
  }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    vec::axpy(-gamma_, g_, x_);
    f_.gradient(x_, grad_);
    cost.full_grads = 1;
    if (shared_coin(ctx, p_, round)) {
      cost.bits_up = average_compressed(ctx, *opt_.dense, grad_, g_server_, round, 0);
    } else {
      vec::sub(grad_, grad_prev_, diff_);
      cost.bits_up = average_compressed(ctx, *opt_.codec, diff_, avg_, round, 0, exchange_);
      vec::axpy(1.0, avg_, g_server_);
    }
    cost.bits_down = server_broadcast(ctx, *opt_.server, g_server_, g_, round, 0);
    std::swap(grad_, grad_prev_);
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
            {"shared_indices", exchange_.streams == CodecStreams::shared ? 1.0 : 0.0}};
  }

 private:
  const Objective& f_;
  MethodOptions opt_;
  double omega_ = 0, p_ = 1, gamma_ = 0, theory_gamma_ = 0, L_ = 0;
  ExchangeOptions exchange_;
  vec::Vec x_, grad_, grad_prev_, diff_, avg_, g_server_, g_;
};

}  // namespace

std::unique_ptr<Method> make_marina(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<Marina>(s, setup);
}

}  // namespace dcopt

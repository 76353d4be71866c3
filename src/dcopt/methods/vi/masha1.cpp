#include "dcopt/methods/vi/masha1.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/vr_extragradient.hpp"
#include "dcopt/methods/method_shell.hpp"
#include "dcopt/methods/options/codec_theory.hpp"
#include "dcopt/methods/options/method_options.hpp"
#include "dcopt/methods/options/unit_interval.hpp"

namespace dcopt {
namespace {

class Masha1 final : public MethodShell {
 public:
  Masha1(const Settings& s, const ViSetup& setup)
      : MethodShell("masha1"),
        op_(setup.op),
        h_(setup.h),
        opt_(read_method_options(s, "natural_dithering")),
        eg_(setup.z0, opt_.dense,
            static_cast<std::size_t>(
                s.integer("batch", 0, 0, static_cast<std::int64_t>(setup.constants.r_min))),
            streams_) {
    const ViConstants& c = setup.constants;
    const std::size_t d = c.dim;
    const double M = c.workers;
    q_dev_ = unbiased_q(s, "codec", *opt_.codec, d, "masha1");
    q_serv_ = unbiased_q(s, "server_codec", *opt_.server, d, "masha1");
    beta_ = bit_density(*opt_.codec, *opt_.dense, d);
    const bool stochastic = eg_.batch() > 0;
    const double b = static_cast<double>(eg_.batch());
    // Corollary 2 with a minibatch of b terms: a full pass costs r/b compressed rounds.
    const double sync = stochastic ? std::min(b / static_cast<double>(c.r_max), beta_) : beta_;
    tau_ = read_half_open_unit(s, "tau", 1.0 - sync);
    const double one_minus_tau = 1.0 - tau_;
    const std::string mode = s.choice("stepsize", "paper", {"paper", "derived"});
    const double L_hat = stochastic ? c.L_hat_terms : c.L_hat;
    if (mode == "paper") {
      C_ = std::sqrt(q_serv_ * (q_dev_ + M - 1.0) / M) * L_hat;  // (1/M^2) sum_m = L-hat^2 / M
      theory_gamma_ = std::sqrt(one_minus_tau) / (4.0 * C_);
      if (c.mu() > 0) theory_gamma_ = std::min(theory_gamma_, one_minus_tau / (4.0 * c.mu()));
    } else {
      double var = (q_dev_ - 1.0) * c.L_hat * c.L_hat;
      if (stochastic) var += q_dev_ * c.L_hat_terms * c.L_hat_terms / b;
      C_ = std::sqrt(q_serv_ * (c.L * c.L + var / M));
      theory_gamma_ = 0.5 * std::sqrt(one_minus_tau) / C_;
    }
    gamma_ = opt_.stepsize(theory_gamma_);
    describe(opt_.codec->spec(), {{"gamma", gamma_},
                                  {"gamma_theory", theory_gamma_},
                                  {"tau", tau_},
                                  {"beta", beta_},
                                  {"q_dev", q_dev_},
                                  {"q_serv", q_serv_},
                                  {"C", C_},
                                  {"batch", static_cast<double>(eg_.batch())}});
  }

  StepCost init(WorkerContext& ctx) override { return eg_.init(ctx, op_); }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    return eg_.step(ctx, op_, h_, *opt_.codec, *opt_.server, gamma_, tau_, 1.0 - tau_, round);
  }

  std::span<const double> iterate() const override { return eg_.z(); }
  void save(StateWriter& w) const override { eg_.save(w); }
  void load(StateReader& r) override { eg_.load(r); }

 private:
  StreamPlan streams_;  // first: the members below reserve their streams in it
  const Operator& op_;
  const CompositeTerm& h_;
  MethodOptions opt_;
  VrExtragradient eg_;
  double q_dev_ = 1, q_serv_ = 1, beta_ = 1, tau_ = 0, C_ = 0, theory_gamma_ = 0, gamma_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_masha1(const Settings& s, const ViSetup& setup) {
  return std::make_unique<Masha1>(s, setup);
}

}  // namespace dcopt

#include "dcopt/methods/vi/eg_vr.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/vr_extragradient.hpp"
#include "dcopt/methods/method_shell.hpp"
#include "dcopt/methods/options/dense_method_options.hpp"
#include "dcopt/methods/options/unit_interval.hpp"

namespace dcopt {
namespace {

class EgVr final : public MethodShell {
 public:
  EgVr(const Settings& s, const ViSetup& setup)
      : MethodShell("eg_vr"),
        op_(setup.op),
        h_(setup.h),
        opt_(read_dense_method_options(s, "eg_vr", "masha1")),
        eg_(setup.z0, opt_.dense,
            static_cast<std::size_t>(
                s.integer("batch", 1, 1, static_cast<std::int64_t>(setup.constants.r_min))),
            streams_) {
    const ViConstants& c = setup.constants;
    const double b = static_cast<double>(eg_.batch());
    p_ = s.number("p", std::min(1.0, b / static_cast<double>(c.r_max)), 1e-12, 1.0);
    alpha_ = read_half_open_unit(s, "alpha", 1.0 - p_);
    gamma0_ = s.number("gamma0", 0.5, 1e-12, 1.0);
    theory_gamma_ = gamma0_ * std::sqrt(1.0 - alpha_) / c.L_hat_terms;
    gamma_ = opt_.stepsize(theory_gamma_);
    describe(opt_.codec->spec(), {{"gamma", gamma_},
                                  {"gamma_theory", theory_gamma_},
                                  {"p", p_},
                                  {"alpha", alpha_},
                                  {"gamma0", gamma0_},
                                  {"batch", static_cast<double>(eg_.batch())}});
  }

  StepCost init(WorkerContext& ctx) override { return eg_.init(ctx, op_); }

  // The A-M step is the VR-extragradient round with the uncompressed (dense) difference.
  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    return eg_.step(ctx, op_, h_, *opt_.dense, *opt_.server, gamma_, alpha_, p_, round);
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
  double p_ = 1, alpha_ = 0, gamma0_ = 0.5, theory_gamma_ = 0, gamma_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_eg_vr(const Settings& s, const ViSetup& setup) {
  return std::make_unique<EgVr>(s, setup);
}

}  // namespace dcopt

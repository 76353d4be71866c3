#include "dcopt/methods/vi/qgda.hpp"

#include <cmath>

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/operator_average.hpp"
#include "dcopt/methods/blocks/prox_step.hpp"
#include "dcopt/methods/method_shell.hpp"
#include "dcopt/methods/options/codec_theory.hpp"
#include "dcopt/methods/options/method_options.hpp"
#include "dcopt/methods/vi/gda.hpp"

namespace dcopt {
namespace {

class Qgda final : public MethodShell {
 public:
  Qgda(const Settings& s, const ViSetup& setup)
      : MethodShell("qgda"),
        op_(setup.op),
        h_(setup.h),
        opt_(read_method_options(s, "natural_dithering")),
        z_(setup.z0),
        F_(z_.size()),
        average_(z_.size()) {
    const ViConstants& c = setup.constants;
    omega_ = unbiased_q(s, "codec", *opt_.codec, c.dim, "qgda") - 1.0;
    L_eff_ = std::sqrt(c.L * c.L + 2.0 * omega_ * c.L_hat * c.L_hat / c.workers);
    theory_gamma_ = gda_theory_stepsize(c.mu(), L_eff_);
    gamma_ = opt_.stepsize(theory_gamma_);
    describe(
        opt_.codec->spec(),
        {{"gamma", gamma_}, {"gamma_theory", theory_gamma_}, {"omega", omega_}, {"L_eff", L_eff_}});
  }

  StepCost init(WorkerContext&) override { return {}; }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost = average_(ctx, exchange_, op_, *opt_.codec, *opt_.server, z_, round, F_);
    prox_step(h_, gamma_, z_, F_, z_);
    return cost;
  }

  std::span<const double> iterate() const override { return z_; }
  void save(StateWriter& w) const override { w.f64s("z", z_); }
  void load(StateReader& r) override { r.f64s("z", z_); }

 private:
  StreamPlan streams_;  // first: the members below reserve their streams in it
  const Operator& op_;
  const CompositeTerm& h_;
  MethodOptions opt_;
  double omega_ = 0, L_eff_ = 0, theory_gamma_ = 0, gamma_ = 0;
  vec::Vec z_, F_;
  Exchange<double> exchange_{streams_.exchange("operator average")};
  OperatorAverage average_;
};

}  // namespace

std::unique_ptr<Method> make_qgda(const Settings& s, const ViSetup& setup) {
  return std::make_unique<Qgda>(s, setup);
}

}  // namespace dcopt

#include "dcopt/methods/vi/ef_gda.hpp"

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/error_memory.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/method_shell.hpp"
#include "dcopt/methods/options/codec_theory.hpp"
#include "dcopt/methods/options/method_options.hpp"
#include "dcopt/methods/vi/gda.hpp"

namespace dcopt {
namespace {

class EfGda final : public MethodShell {
 public:
  EfGda(const Settings& s, const ViSetup& setup)
      : MethodShell("ef_gda"),
        op_(setup.op),
        h_(setup.h),
        opt_(read_method_options(s, "topk:ratio=0.3")),
        z_(setup.z0),
        exchange_(streams_.exchange("ef_gda")),
        memory_(z_.size()),
        F_m_(z_.size()),
        avg_(z_.size()),
        c_bar_(z_.size()) {
    const ViConstants& c = setup.constants;
    delta_ = contractive_delta(s, "codec", *opt_.codec, c.dim, "ef_gda");
    theory_gamma_ = gda_theory_stepsize(c.mu(), c.L) / delta_;
    gamma_ = opt_.stepsize(theory_gamma_);
    describe(opt_.codec->spec(),
             {{"gamma", gamma_}, {"gamma_theory", theory_gamma_}, {"delta", delta_}});
  }

  StepCost init(WorkerContext&) override { return {}; }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    op_.apply(z_, F_m_);
    cost.full_grads = 1;
    cost.bits_up = memory_.exchange(ctx, exchange_, *opt_.codec, F_m_, gamma_, avg_, round);
    cost.bits_down = exchange_.broadcast(ctx, *opt_.server, avg_, c_bar_, round);
    vec::axpy(-1.0, c_bar_, z_);
    h_.prox(gamma_, z_, z_);
    return cost;
  }

  std::span<const double> iterate() const override { return z_; }
  void save(StateWriter& w) const override {
    w.f64s("z", z_);
    memory_.save(w, "error");
  }
  void load(StateReader& r) override {
    r.f64s("z", z_);
    memory_.load(r, "error");
  }

 private:
  StreamPlan streams_;  // first: the members below reserve their streams in it
  const Operator& op_;
  const CompositeTerm& h_;
  MethodOptions opt_;
  vec::Vec z_;
  Exchange<double> exchange_;
  ErrorMemory<double> memory_;
  vec::Vec F_m_, avg_, c_bar_;
  double delta_ = 1, theory_gamma_ = 0, gamma_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_ef_gda(const Settings& s, const ViSetup& setup) {
  return std::make_unique<EfGda>(s, setup);
}

}  // namespace dcopt

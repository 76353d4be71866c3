#include "dcopt/methods/vi/eg.hpp"

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/operator_average.hpp"
#include "dcopt/methods/blocks/prox_step.hpp"
#include "dcopt/methods/method_shell.hpp"
#include "dcopt/methods/options/dense_method_options.hpp"

namespace dcopt {
namespace {

class Eg final : public MethodShell {
 public:
  Eg(const Settings& s, const ViSetup& setup)
      : MethodShell("eg"),
        op_(setup.op),
        h_(setup.h),
        opt_(read_dense_method_options(s, "eg", "qeg or masha1")),
        theory_gamma_(0.5 / setup.constants.L),
        gamma_(opt_.stepsize(theory_gamma_)),
        z_(setup.z0),
        z_half_(z_.size()),
        F_(z_.size()),
        average_(z_.size()) {
    describe(opt_.codec->spec(), {{"gamma", gamma_}, {"gamma_theory", theory_gamma_}});
  }

  StepCost init(WorkerContext&) override { return {}; }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost = average_(ctx, first_, op_, *opt_.dense, *opt_.server, z_, round, F_);
    prox_step(h_, gamma_, z_, F_, z_half_);
    cost += average_(ctx, second_, op_, *opt_.dense, *opt_.server, z_half_, round, F_);
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
  double theory_gamma_, gamma_;
  vec::Vec z_, z_half_, F_;
  Exchange<double> first_{streams_.exchange("extragradient first half")};
  Exchange<double> second_{streams_.exchange("extragradient second half")};
  OperatorAverage average_;
};

}  // namespace

std::unique_ptr<Method> make_eg(const Settings& s, const ViSetup& setup) {
  return std::make_unique<Eg>(s, setup);
}

}  // namespace dcopt

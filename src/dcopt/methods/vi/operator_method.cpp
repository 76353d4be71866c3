#include "dcopt/methods/vi/operator_method.hpp"

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/operator_average.hpp"
#include "dcopt/methods/blocks/prox_step.hpp"
#include "dcopt/methods/method_shell.hpp"

namespace dcopt {
namespace {

class OperatorMethod final : public MethodShell {
 public:
  OperatorMethod(OperatorMethodSpec spec, const ViSetup& setup)
      : MethodShell(spec.name),
        op_(setup.op),
        h_(setup.h),
        spec_(std::move(spec)),
        z_(setup.z0),
        z_half_(z_.size()),
        F_(z_.size()),
        average_(z_.size()) {
    describe(spec_.codec->spec(), spec_.parameters);
  }

  StepCost init(WorkerContext&) override { return {}; }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    const Compressor& codec = *spec_.codec;
    const Compressor& server = *spec_.server;
    StepCost cost = average_(ctx, first_, op_, codec, server, z_, round, F_);
    if (spec_.kind == OperatorMethodSpec::Kind::forward) {
      prox_step(h_, spec_.gamma, z_, F_, z_);
      return cost;
    }
    prox_step(h_, spec_.gamma, z_, F_, z_half_);
    cost += average_(ctx, second_, op_, codec, server, z_half_, round, F_);
    prox_step(h_, spec_.gamma, z_, F_, z_);
    return cost;
  }

  std::span<const double> iterate() const override { return z_; }
  void save(StateWriter& w) const override { w.f64s("z", z_); }
  void load(StateReader& r) override { r.f64s("z", z_); }

 private:
  StreamPlan streams_;  // first: the members below reserve their streams in it
  const Operator& op_;
  const CompositeTerm& h_;
  OperatorMethodSpec spec_;
  vec::Vec z_, z_half_, F_;
  Exchange<double> first_{streams_.exchange("operator average")};
  Exchange<double> second_{streams_.exchange("extragradient second half")};
  OperatorAverage average_;
};

}  // namespace

std::unique_ptr<Method> make_operator_method(OperatorMethodSpec spec, const ViSetup& setup) {
  return std::make_unique<OperatorMethod>(std::move(spec), setup);
}

}  // namespace dcopt

#include "dcopt/methods/minimization/gd.hpp"

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/options/dense_method_options.hpp"

namespace dcopt {
namespace {

class Gd final : public Method {
 public:
  Gd(const Settings& s, const MinimizationSetup& setup)
      : f_(setup.objective),
        opt_(read_dense_method_options(s, "gd", "dcgd or marina")),
        gamma_(opt_.stepsize(1.0 / setup.constants.L_f)),
        x_(setup.x0),
        grad_(x_.size()),
        avg_(x_.size()),
        g_(x_.size()) {}

  std::string name() const override { return "gd"; }
  StepCost init(WorkerContext&) override { return {}; }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    StepCost cost;
    f_.gradient(x_, grad_);
    cost.full_grads = 1;
    cost.bits_up = average_compressed(ctx, *opt_.dense, grad_, avg_, round, 0);
    cost.bits_down = server_broadcast(ctx, *opt_.server, avg_, g_, round, 0);
    vec::axpy(-gamma_, g_, x_);
    return cost;
  }

  std::span<const double> iterate() const override { return x_; }
  std::string codec() const override { return opt_.codec->spec(); }
  std::map<std::string, double> parameters() const override { return {{"gamma", gamma_}}; }

 private:
  const Objective& f_;
  MethodOptions opt_;
  double gamma_;
  vec::Vec x_, grad_, avg_, g_;
};

}  // namespace

std::unique_ptr<Method> make_gd(const Settings& s, const MinimizationSetup& setup) {
  return std::make_unique<Gd>(s, setup);
}

}  // namespace dcopt

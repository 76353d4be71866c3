#include "dcopt/methods/vi/masha2.hpp"

#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/error_memory.hpp"
#include "dcopt/methods/blocks/operator_difference.hpp"
#include "dcopt/methods/blocks/reference_point.hpp"
#include "dcopt/methods/method_shell.hpp"
#include "dcopt/methods/options/codec_theory.hpp"
#include "dcopt/methods/options/method_options.hpp"
#include "dcopt/methods/options/unit_interval.hpp"

namespace dcopt {
namespace {

class Masha2 final : public MethodShell {
 public:
  Masha2(const Settings& s, const ViSetup& setup)
      : MethodShell("masha2"),
        op_(setup.op),
        opt_(read_method_options(s, "topk:ratio=0.3")),
        z_(setup.z0),
        exchange_(streams_.exchange("masha2 differences")),
        ref_(opt_.dense, z_.size(), streams_.exchange("masha2 reference")),
        diff_(z_.size(), 0, streams_.minibatch("operator difference")),
        device_memory_(z_.size()),
        server_memory_(z_.size()),
        zbar_(z_.size()),
        z_half_(z_.size()),
        delta_(z_.size()),
        avg_(z_.size()),
        c_hat_(z_.size()) {
    if (setup.h.set().kind() != ConstraintSet::Kind::whole_space || setup.h.l2() != 0.0) {
      throw InvalidArgument(s.context() +
                            ": masha2 (ALGORITHMS.md §5.3 reconstruction) is "
                            "defined for Z = R^d and h = 0 only; got Z = " +
                            setup.h.set().describe() + ", rho = " + std::to_string(setup.h.l2()) +
                            " (use masha1 for constrained or regularized problems)");
    }
    const ViConstants& c = setup.constants;
    const double M = c.workers;
    delta_dev_ = contractive_delta(s, "codec", *opt_.codec, c.dim, "masha2");
    delta_serv_ = contractive_delta(s, "server_codec", *opt_.server, c.dim, "masha2");
    tau_ = read_half_open_unit(s, "tau", 1.0 - 1.0 / delta_dev_);
    C_ = std::sqrt(delta_serv_ * (c.L * c.L + (delta_dev_ - 1.0) * c.L_hat * c.L_hat / M));
    theory_gamma_ = 0.5 * std::sqrt(1.0 - tau_) / C_;
    gamma_ = opt_.stepsize(theory_gamma_);
    describe(opt_.codec->spec(), {{"gamma", gamma_},
                                  {"gamma_theory", theory_gamma_},
                                  {"tau", tau_},
                                  {"delta_dev", delta_dev_},
                                  {"delta_serv", delta_serv_},
                                  {"C", C_}});
  }

  StepCost init(WorkerContext& ctx) override { return ref_.reset(ctx, op_, z_, 0); }

  StepCost step(WorkerContext& ctx, std::uint64_t round) override {
    ref_.mix(tau_, z_, zbar_);
    vec::copy(zbar_, z_half_);
    vec::axpy(-gamma_, ref_.F_w(), z_half_);
    StepCost cost = diff_(ctx, op_, round, z_half_, ref_.w(), ref_.F_m_w(), delta_);
    cost.bits_up +=
        device_memory_.exchange(ctx, exchange_, *opt_.codec, delta_, gamma_, avg_, round);
    cost.bits_down += server_memory_.broadcast(ctx, exchange_, *opt_.server, avg_, c_hat_, round);
    vec::copy(z_half_, z_);  // z = z-bar - gamma F(w) - c-hat
    vec::axpy(-1.0, c_hat_, z_);
    cost += ref_.maybe_reset(ctx, op_, z_, 1.0 - tau_, round);
    return cost;
  }

  std::span<const double> iterate() const override { return z_; }
  void save(StateWriter& w) const override {
    w.f64s("z", z_);
    ref_.save(w, "reference");
    device_memory_.save(w, "device_error");
    server_memory_.save(w, "server_error");
  }
  void load(StateReader& r) override {
    r.f64s("z", z_);
    ref_.load(r, "reference");
    device_memory_.load(r, "device_error");
    server_memory_.load(r, "server_error");
  }

 private:
  StreamPlan streams_;  // first: the members below reserve their streams in it
  const Operator& op_;
  MethodOptions opt_;
  vec::Vec z_;
  Exchange<double> exchange_;
  ReferencePoint ref_;
  OperatorDifference diff_;
  ErrorMemory<double> device_memory_, server_memory_;
  vec::Vec zbar_, z_half_, delta_, avg_, c_hat_;
  double delta_dev_ = 1, delta_serv_ = 1, tau_ = 0, C_ = 0, theory_gamma_ = 0, gamma_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_masha2(const Settings& s, const ViSetup& setup) {
  return std::make_unique<Masha2>(s, setup);
}

}  // namespace dcopt

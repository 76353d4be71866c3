#include "dcopt/methods/blocks/vr_extragradient.hpp"

#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/blocks/prox_step.hpp"

namespace dcopt {
VrExtragradient::VrExtragradient(std::span<const double> z0, CompressorPtr dense, std::size_t batch,
                                 StreamPlan& streams)
    : z_(z0.begin(), z0.end()),
      differences_(streams.exchange("vr extragradient differences")),
      ref_(std::move(dense), z0.size(), streams.exchange("vr extragradient reference")),
      diff_(z0.size(), batch, streams.minibatch("operator difference")),
      zbar_(z0.size()),
      z_half_(z0.size()),
      delta_(z0.size()),
      avg_(z0.size()),
      D_(z0.size()) {}

StepCost VrExtragradient::init(WorkerContext& ctx, const Operator& op) {
  return ref_.reset(ctx, op, z_, 0);
}

StepCost VrExtragradient::step(WorkerContext& ctx, const Operator& op, const CompositeTerm& h,
                               const Compressor& codec, const Compressor& server, double gamma,
                               double tau, double refresh_p, std::uint64_t round) {
  ref_.mix(tau, z_, zbar_);
  prox_step(h, gamma, zbar_, ref_.F_w(), z_half_);
  StepCost cost = diff_(ctx, op, round, z_half_, ref_.w(), ref_.F_m_w(), delta_);
  cost.bits_up += differences_.average(ctx, codec, delta_, avg_, round);
  cost.bits_down += differences_.broadcast(ctx, server, avg_, D_, round);
  prox_step(h, gamma, zbar_, ref_.F_w(), D_, z_);
  cost += ref_.maybe_reset(ctx, op, z_, refresh_p, round);
  return cost;
}

void VrExtragradient::save(StateWriter& w) const {
  w.f64s("z", z_);
  ref_.save(w, "reference");
}

void VrExtragradient::load(StateReader& r) {
  r.f64s("z", z_);
  ref_.load(r, "reference");
}

}  // namespace dcopt

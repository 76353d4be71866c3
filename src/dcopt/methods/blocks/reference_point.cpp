#include "dcopt/methods/blocks/reference_point.hpp"

#include "dcopt/methods/blocks/exchange.hpp"

namespace dcopt {

ReferencePoint::ReferencePoint(CompressorPtr dense, std::size_t dim, ExchangeStream stream)
    : dense_(std::move(dense)), exchange_(stream), w_(dim), F_m_w_(dim), avg_(dim), F_w_(dim) {}

StepCost ReferencePoint::reset(WorkerContext& ctx, const Operator& op, std::span<const double> z,
                               std::uint64_t round) {
  StepCost cost;
  vec::copy(z, w_);
  op.apply(w_, F_m_w_);
  cost.full_grads = 1;
  cost.bits_up = exchange_.average(ctx, *dense_, F_m_w_, avg_, round);
  cost.bits_down = exchange_.broadcast(ctx, *dense_, avg_, F_w_, round);
  return cost;
}

StepCost ReferencePoint::maybe_reset(WorkerContext& ctx, const Operator& op,
                                     std::span<const double> z, double p, std::uint64_t round,
                                     bool* refreshed) {
  const bool coin = shared_coin(ctx, p, round);
  if (refreshed) *refreshed = coin;
  return coin ? reset(ctx, op, z, round) : StepCost{};
}

void ReferencePoint::mix(double tau, std::span<const double> z, std::span<double> out) const {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = tau * z[i] + (1.0 - tau) * w_[i];
}

void ReferencePoint::save(StateWriter& w, std::string_view prefix) const {
  const std::string p(prefix);
  w.f64s(p + ".w", w_);
  w.f64s(p + ".F_m_w", F_m_w_);
  w.f64s(p + ".F_w", F_w_);
}

void ReferencePoint::load(StateReader& r, std::string_view prefix) {
  const std::string p(prefix);
  r.f64s(p + ".w", w_);
  r.f64s(p + ".F_m_w", F_m_w_);
  r.f64s(p + ".F_w", F_w_);
}

}  // namespace dcopt

#pragma once
// "Refresh the reference point w and F(w) on the shared coin": the loopless variance-reduction
// move of Alacaoglu & Malitsky's EG-VR and of MASHA1/MASHA2 (paper Algorithm 1, "if b_k = 1 then
// w^{k+1} = z^{k+1}; compute F_m(w^{k+1}) & send it to server; get F(w^{k+1})").
//
// State, replicated on every device: w and F(w) (the server's average, as broadcast); private to
// this device: F_m(w). The exchange is uncompressed both ways (the paper sends F_m(w) "full"):
// the dense codec uplink, the dense codec as the server's broadcast. The server's broadcast is
// what every device uses, so F(w) is bit-identical on every device.
#include <cstdint>
#include <span>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/step_cost.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/problems/operator.hpp"

namespace dcopt {

class ReferencePoint {
 public:
  /// `dense`: the uncompressed codec (identity at the run's precision). `stream`: the exchange
  /// the refresh uses, reserved in the method's StreamPlan.
  ReferencePoint(CompressorPtr dense, std::size_t dim, ExchangeStream stream);

  /// w = z; F_m(w) (one full oracle call); average uncompressed -> F(w). Collective.
  /// Cost: full_grads = 1, bits_up = this device's message, bits_down = the broadcast.
  StepCost reset(WorkerContext& ctx, const Operator& op, std::span<const double> z,
                 std::uint64_t round);

  /// The shared coin b_k ~ Bernoulli(p) of round `round` (0 bits); on 1, reset(z). Returns the
  /// cost (zero when the coin says 0); `refreshed` tells which.
  StepCost maybe_reset(WorkerContext& ctx, const Operator& op, std::span<const double> z, double p,
                       std::uint64_t round, bool* refreshed = nullptr);

  /// out = tau z + (1 - tau) w: the paper's z-bar^k (A-M's alpha z + (1-alpha) w).
  void mix(double tau, std::span<const double> z, std::span<double> out) const;

  std::span<const double> w() const { return w_; }
  /// F(w), as the server broadcast it (identical on every device).
  std::span<const double> F_w() const { return F_w_; }
  /// F_m(w) of this device (exact, not rounded to the wire precision).
  std::span<const double> F_m_w() const { return F_m_w_; }

  /// State: w, F_m(w) and F(w).
  void save(StateWriter& w, std::string_view prefix) const;
  void load(StateReader& r, std::string_view prefix);

 private:
  CompressorPtr dense_;
  Exchange<double> exchange_;
  vec::Vec w_, F_m_w_, avg_, F_w_;
};

}  // namespace dcopt

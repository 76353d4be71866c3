#pragma once
// "One loopless variance-reduced extragradient round": the move shared by the
// Alacaoglu-Malitsky method (EG-VR, ALGORITHMS.md §4.4) and MASHA1 (paper Algorithm 1), which is
// EG-VR with the average of device differences sent through a compressor:
//   z-bar     = tau z + (1 - tau) w
//   z_half    = prox_{gamma h}(z-bar - gamma F(w))
//   Delta_m   = F_m(z_half) - F_m(w)           (or a minibatch of terms at both points)
//   D         = Q_serv[(1/M) sum_m Q_m(Delta_m)] (the server's broadcast)
//   z         = prox_{gamma h}(z-bar - gamma (F(w) + D))
//   with probability p (shared coin): w = z, F(w) refreshed uncompressed.
// EG-VR is this with the dense codec (tau = alpha, p its refresh probability); MASHA1 with its
// device and server codecs and p = 1 - tau.
#include <cstdint>
#include <span>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/operator_difference.hpp"
#include "dcopt/methods/blocks/reference_point.hpp"
#include "dcopt/methods/step_cost.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/problems/composite_term.hpp"
#include "dcopt/problems/operator.hpp"

namespace dcopt {

class VrExtragradient {
 public:
  /// z0: the start z^0 = w^0; dense: the uncompressed codec for the reference refresh;
  /// batch: 0 for the deterministic difference, b >= 1 for a minibatch of b terms.
  /// Its exchanges and minibatch draws are reserved in `streams` (the method's plan).
  VrExtragradient(std::span<const double> z0, CompressorPtr dense, std::size_t batch,
                  StreamPlan& streams);

  /// F(w^0): the initial uncompressed exchange (its cost is the method's init cost).
  StepCost init(WorkerContext& ctx, const Operator& op);

  /// One round; `codec` compresses the device differences, `server` the broadcast.
  StepCost step(WorkerContext& ctx, const Operator& op, const CompositeTerm& h,
                const Compressor& codec, const Compressor& server, double gamma, double tau,
                double refresh_p, std::uint64_t round);

  std::span<const double> z() const { return z_; }
  std::size_t batch() const { return diff_.batch(); }

  /// State: z and the reference point.
  void save(StateWriter& w) const;
  void load(StateReader& r);

 private:
  vec::Vec z_;
  Exchange<double> differences_;
  ReferencePoint ref_;
  OperatorDifference diff_;
  vec::Vec zbar_, z_half_, delta_, avg_, D_;
};

}  // namespace dcopt

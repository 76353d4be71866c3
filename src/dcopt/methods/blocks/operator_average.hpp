#pragma once
// "Every device evaluates its F_m at the common point z and the server returns the average":
//   out = Q^serv[ (1/M) sum_m Q_m(F_m(z)) ]
// the move of GDA, compressed GDA and (twice per round) extragradient. With the dense codec on
// both sides it is F(z) at the wire precision.
#include <cstdint>
#include <span>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/step_cost.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/problems/operator.hpp"

namespace dcopt {

class OperatorAverage {
 public:
  explicit OperatorAverage(std::size_t dim) : F_m_(dim), avg_(dim) {}

  /// Collective, through the caller's `exchange` (one per use within a round). Cost:
  /// full_grads = 1, bits_up = this device's message, bits_down = broadcast.
  StepCost operator()(WorkerContext& ctx, Exchange<double>& exchange, const Operator& op,
                      const Compressor& codec, const Compressor& server, std::span<const double> z,
                      std::uint64_t round, std::span<double> out);

 private:
  vec::Vec F_m_, avg_;
};

}  // namespace dcopt

#include "dcopt/methods/blocks/operator_average.hpp"

namespace dcopt {

StepCost OperatorAverage::operator()(WorkerContext& ctx, Exchange<double>& exchange,
                                     const Operator& op, const Compressor& codec,
                                     const Compressor& server, std::span<const double> z,
                                     std::uint64_t round, std::span<double> out) {
  StepCost cost;
  op.apply(z, F_m_);
  cost.full_grads = 1;
  cost.bits_up = exchange.average(ctx, codec, F_m_, avg_, round);
  cost.bits_down = exchange.broadcast(ctx, server, avg_, out, round);
  return cost;
}

}  // namespace dcopt

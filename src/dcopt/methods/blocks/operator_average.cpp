#include "dcopt/methods/blocks/operator_average.hpp"

#include "dcopt/methods/blocks/exchange.hpp"

namespace dcopt {

StepCost OperatorAverage::operator()(WorkerContext& ctx, const Operator& op,
                                     const Compressor& codec, const Compressor& server,
                                     std::span<const double> z, std::uint64_t round, unsigned slot,
                                     std::span<double> out) {
  StepCost cost;
  op.apply(z, F_m_);
  cost.full_grads = 1;
  cost.bits_up = average_compressed(ctx, codec, F_m_, avg_, round, slot);
  cost.bits_down = server_broadcast(ctx, server, avg_, out, round, slot);
  return cost;
}

}  // namespace dcopt

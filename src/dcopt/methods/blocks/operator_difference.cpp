#include "dcopt/methods/blocks/operator_difference.hpp"

#include "dcopt/methods/blocks/exchange.hpp"

namespace dcopt {

OperatorDifference::OperatorDifference(std::size_t dim, std::size_t batch, MinibatchStream stream)
    : batch_(batch), stream_(stream), at_z_(dim), at_w_(dim) {}

StepCost OperatorDifference::operator()(const WorkerContext& ctx, const Operator& op,
                                        std::uint64_t round, std::span<const double> z,
                                        std::span<const double> w, std::span<const double> F_m_w,
                                        std::span<double> out) {
  StepCost cost;
  if (batch_ == 0) {
    op.apply(z, at_z_);
    vec::sub(at_z_, F_m_w, out);
    cost.full_grads = 1;
    return cost;
  }
  sample_minibatch(ctx, stream_, op.num_terms(), batch_, false, round, idx_);
  op.apply_terms(z, idx_, at_z_);
  op.apply_terms(w, idx_, at_w_);
  vec::sub(at_z_, at_w_, out);
  cost.sample_grads = 2 * batch_;
  return cost;
}

}  // namespace dcopt

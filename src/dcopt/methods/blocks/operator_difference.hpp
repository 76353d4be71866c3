#pragma once
// "This device's operator difference at the new point and the reference point", the quantity
// MASHA1/MASHA2 compress and EG-VR averages (MASHA paper Algorithm 1, blue and red lines):
//   deterministic (batch = 0):  out = F_m(z) - F_m(w)         F_m(w) cached: 1 full oracle call
//   finite sum   (batch = b):   out = (1/b) sum_{i in S} [F_{m,i}(z) - F_{m,i}(w)]
//                               with the SAME sample S at both points: 2b term calls.
// S is b distinct term indices of this device for this round (sample_minibatch on the stream the
// method reserved: private to the device, independent across devices and rounds). The paper draws
// one index (b = 1).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/step_cost.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/problems/operator.hpp"

namespace dcopt {

class OperatorDifference {
 public:
  /// batch = 0: deterministic; 1 <= batch <= op.num_terms(): minibatch of terms.
  /// The minibatch is drawn from `stream`.
  OperatorDifference(std::size_t dim, std::size_t batch, MinibatchStream stream);

  /// Cost: full_grads = 1 (deterministic) or sample_grads = 2b.
  StepCost operator()(const WorkerContext& ctx, const Operator& op, std::uint64_t round,
                      std::span<const double> z, std::span<const double> w,
                      std::span<const double> F_m_w, std::span<double> out);

  std::size_t batch() const { return batch_; }

 private:
  std::size_t batch_;
  MinibatchStream stream_;
  vec::Vec at_z_, at_w_;
  std::vector<std::uint32_t> idx_;
};

}  // namespace dcopt

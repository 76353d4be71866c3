#pragma once
// What a method step spent, for one worker. Bits are exact sizes of the encoded messages
// (header included), never formulas.
#include <cstdint>

namespace dcopt {

struct StepCost {
  /// Bits this worker sent to the server (uplink).
  std::uint64_t bits_up = 0;
  /// Bits the server broadcast to this worker (downlink).
  std::uint64_t bits_down = 0;
  /// Local full-gradient / full-operator evaluations (oracle calls) by this worker.
  std::uint64_t full_grads = 0;
  /// Per-sample gradient / operator-term evaluations by this worker (finite sums).
  std::uint64_t sample_grads = 0;

  StepCost& operator+=(const StepCost& o) {
    bits_up += o.bits_up;
    bits_down += o.bits_down;
    full_grads += o.full_grads;
    sample_grads += o.sample_grads;
    return *this;
  }
};

}  // namespace dcopt

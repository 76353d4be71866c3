#pragma once
// Dropout that draws its masks from a generator the caller owns. torch::dropout draws from
// torch's global CPU generator, which every thread of the process shares: under the threads
// backend two workers' masks would depend on how their steps interleave. A network owns one
// DropoutGenerator, the trainer reseeds it per step and rank (set_seed), and the masks are then
// a function of (seed, the sequence of dropout calls) only.
#include <cstdint>

#include "dcopt/train/torch_pch.hpp"

namespace dcopt::train {

class DropoutGenerator {
 public:
  explicit DropoutGenerator(std::uint64_t seed = 0);
  /// Restarts the mask stream: the same seed gives the same masks for the same calls.
  void set_seed(std::uint64_t seed);
  /// Inverted dropout: in training, zeroes each entry with probability p and scales the rest
  /// by 1 / (1 - p); otherwise (or with p == 0) returns x itself. p in [0, 1).
  torch::Tensor apply(const torch::Tensor& x, double p, bool training);

 private:
  torch::Generator gen_;
};

}  // namespace dcopt::train

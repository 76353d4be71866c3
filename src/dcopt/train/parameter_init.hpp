#pragma once
// Deterministic initialization of a network's parameters from the run's seed, written into the
// flat buffer: the same numbers on every worker, in every process, whatever the thread count
// (torch's own initializers draw from its global generator, which threads share).
//
// The distributions are torch's defaults (torch.nn.Linear / Conv2d reset_parameters: Kaiming-
// uniform with a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases;
// BatchNorm weight 1, bias 0), with fan_in = in_features, or in_channels * kernel area. Tensor i
// draws from Rng(seed, Purpose::init, 0, i), one draw per entry in buffer order.
#include <cstdint>

#include "dcopt/train/flat_parameters.hpp"

namespace dcopt::train {

void init_parameters(torch::nn::Module& module, FlatParameters& flat, std::uint64_t seed);

}  // namespace dcopt::train

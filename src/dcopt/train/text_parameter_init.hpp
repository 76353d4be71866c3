#pragma once
// BERT's initialization (Devlin et al.'s reference code), for the text networks, written into
// the flat buffer from the run's seed: the same numbers on every worker, in every process,
// whatever the thread count. The image networks keep torch's defaults (parameter_init.hpp).
//
//   Linear and Embedding weights: N(0, 0.02^2) truncated to [-0.04, 0.04] (two standard
//     deviations, redrawing values outside, as the reference code's truncated_normal);
//   Linear biases, and any other tensor named "...bias" (the MLM decoder bias): 0;
//   LayerNorm: weight 1, bias 0.
// Tensor i draws from Rng(seed, Purpose::init, 0, i) in buffer order, as parameter_init does.
// A tensor of any other kind: InvalidArgument naming it.
#include <cstdint>

#include "dcopt/train/flat_parameters.hpp"

namespace dcopt::train {

/// The standard deviation of the weights.
inline constexpr double bert_init_stddev = 0.02;

void init_text_parameters(torch::nn::Module& module, FlatParameters& flat, std::uint64_t seed);

}  // namespace dcopt::train

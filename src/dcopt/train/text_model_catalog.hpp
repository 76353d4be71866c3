#pragma once
// The text networks `dcopt pretrain` / `dcopt finetune` build by name from their [model] table
// (the keys and their defaults: models/transformer_config.hpp):
//   bert    post-LN BERT encoder, H = 128, E = H, 2 layers, 2 heads, FFN 512, 128 positions
//   albert  the same block, one layer's weights shared by 4 layers, factorized E = H/2
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/train/models/transformer_config.hpp"
#include "dcopt/train/text_network.hpp"

namespace dcopt::train {

/// Builds the network of the [model] table for a tokenizer of `vocab` ids and a task of
/// `labels` outputs (0: MLM pre-training, 1: regression, k >= 2: k classes). Reads `name` and
/// the model's keys and rejects unknown keys: InvalidArgument naming the key and what is valid.
/// The parameters are torch's placeholders: wrap in FlatParameters, then
/// init_text_parameters (text_parameter_init.hpp).
std::shared_ptr<TextNetwork> make_text_network(const Settings& s, int vocab, int labels);

}  // namespace dcopt::train

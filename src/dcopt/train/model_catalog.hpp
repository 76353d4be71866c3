#pragma once
// The networks `dcopt train` builds by name from its [model] table:
//   mlp       hidden = [256, 128] (widths of the hidden layers; default [256, 128])
//   cnn       the 184,586-parameter CNN of the DDP race (models/cnn.hpp)
//   resnet18  ResNet-18 for 28x28 inputs (models/resnet18.hpp)
#include <memory>
#include <string>
#include <vector>

#include "dcopt/core/settings.hpp"
#include "dcopt/train/network.hpp"

namespace dcopt::train {

/// The valid model names, in catalog order.
const std::vector<std::string>& model_names();

/// Builds the network of the [model] table (reads `name` and the model's keys; rejects unknown
/// keys). InvalidArgument naming the key and what is valid.
std::shared_ptr<Network> make_network(const Settings& s, InputShape input, int classes);

}  // namespace dcopt::train

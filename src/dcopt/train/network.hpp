#pragma once
// A classifier network: a torch module that maps a batch of inputs (N, C, H, W) to logits
// (N, classes). Its parameters are moved into flat buffers by FlatParameters after construction
// (flat_parameters.hpp) and initialized by init_parameters (parameter_init.hpp), never by
// torch's global generator: the same seed gives the same weights in every process and thread.
#include <string>

#include "dcopt/train/torch_pch.hpp"

namespace dcopt::train {

/// Shape of one input sample.
struct InputShape {
  int channels = 1;
  int rows = 28;
  int cols = 28;
  int numel() const { return channels * rows * cols; }
};

class Network : public torch::nn::Module {
 public:
  /// Logits (N, classes) for inputs (N, C, H, W), float32.
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  /// The model as configured, e.g. "cnn" or "mlp[256,128]".
  virtual std::string describe() const = 0;
};

}  // namespace dcopt::train

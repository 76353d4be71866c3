#pragma once
// The small CNN of the DDP race (issue "network training"; kept exactly):
//   conv5x5(1->32) - relu - maxpool2 - conv5x5(32->64) - relu - maxpool2 - fc(1024->128) - relu
//   - fc(128->10)
// on 28x28 single-channel inputs (no padding: 28 -> 24 -> 12 -> 8 -> 4, 64*4*4 = 1024):
// 184,586 parameters. Tensors conv1.*, conv2.*, fc1.*, fc2.*.
#include "dcopt/train/network.hpp"

namespace dcopt::train {

class Cnn final : public Network {
 public:
  Cnn(InputShape input, int classes);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::string describe() const override { return "cnn"; }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};

}  // namespace dcopt::train

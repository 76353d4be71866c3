#pragma once
// A fully connected network: flatten, then Linear-ReLU for each hidden width, then a Linear
// layer to the classes. Tensors: "fc<i>.weight" [out, in], "fc<i>.bias" [out].
#include <vector>

#include "dcopt/train/network.hpp"

namespace dcopt::train {

class Mlp final : public Network {
 public:
  Mlp(InputShape input, std::vector<int> hidden, int classes);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::string describe() const override;

 private:
  std::vector<int> hidden_;
  std::vector<torch::nn::Linear> layers_;
};

}  // namespace dcopt::train

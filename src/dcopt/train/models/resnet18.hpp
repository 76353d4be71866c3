#pragma once
// ResNet-18 (He et al. 2016) adapted to 28x28 single-channel images as is usual for (Fashion-)
// MNIST and CIFAR: the stem is one conv3x3(C->64, stride 1) + BN + ReLU with no max-pool, then
// four stages of two BasicBlocks (64, 128, 256, 512 channels; stride 2 at the start of stages
// 2-4: 28 -> 14 -> 7 -> 4), global average pooling and fc(512 -> classes). 11.17 M parameters
// for 10 classes. BatchNorm running statistics are buffers (per worker, saved in checkpoints),
// not parameters.
#include "dcopt/train/network.hpp"

namespace dcopt::train {

class BasicBlock final : public torch::nn::Module {
 public:
  BasicBlock(int in, int out, int stride);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Sequential shortcut_{nullptr};
};

class ResNet18 final : public Network {
 public:
  ResNet18(InputShape input, int classes);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::string describe() const override { return "resnet18"; }

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  std::vector<std::shared_ptr<BasicBlock>> blocks_;
  torch::nn::Linear fc_{nullptr};
};

}  // namespace dcopt::train

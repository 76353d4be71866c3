#include "dcopt/train/models/resnet18.hpp"

namespace dcopt::train {
namespace {

torch::nn::Conv2d conv3x3(int in, int out, int stride) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

}  // namespace

BasicBlock::BasicBlock(int in, int out, int stride) {
  conv1_ = register_module("conv1", conv3x3(in, out, stride));
  bn1_ = register_module("bn1", torch::nn::BatchNorm2d(out));
  conv2_ = register_module("conv2", conv3x3(out, out, 1));
  bn2_ = register_module("bn2", torch::nn::BatchNorm2d(out));
  if (stride != 1 || in != out) {
    shortcut_ = register_module(
        "shortcut",
        torch::nn::Sequential(
            torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
            torch::nn::BatchNorm2d(out)));
  }
}

torch::Tensor BasicBlock::forward(const torch::Tensor& x) {
  torch::Tensor h = torch::relu(bn1_->forward(conv1_->forward(x)));
  h = bn2_->forward(conv2_->forward(h));
  return torch::relu(h + (shortcut_ ? shortcut_->forward(x) : x));
}

ResNet18::ResNet18(InputShape input, int classes) {
  conv1_ = register_module("conv1", conv3x3(input.channels, 64, 1));
  bn1_ = register_module("bn1", torch::nn::BatchNorm2d(64));
  const int widths[4] = {64, 128, 256, 512};
  int in = 64;
  for (int stage = 0; stage < 4; ++stage) {
    for (int b = 0; b < 2; ++b) {
      const int stride = (stage > 0 && b == 0) ? 2 : 1;
      std::string name = "layer";
      name += std::to_string(stage + 1);
      name += '_';
      name += std::to_string(b);
      blocks_.push_back(
          register_module(name, std::make_shared<BasicBlock>(in, widths[stage], stride)));
      in = widths[stage];
    }
  }
  fc_ = register_module("fc", torch::nn::Linear(512, classes));
}

torch::Tensor ResNet18::forward(const torch::Tensor& x) {
  torch::Tensor h = torch::relu(bn1_->forward(conv1_->forward(x)));
  for (auto& b : blocks_) h = b->forward(h);
  h = torch::adaptive_avg_pool2d(h, {1, 1}).flatten(1);
  return fc_->forward(h);
}

}  // namespace dcopt::train

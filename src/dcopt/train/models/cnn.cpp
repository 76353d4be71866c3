#include "dcopt/train/models/cnn.hpp"

#include "dcopt/core/error.hpp"

namespace dcopt::train {

Cnn::Cnn(InputShape input, int classes) {
  if (input.channels != 1 || input.rows != 28 || input.cols != 28) {
    throw InvalidArgument("model 'cnn' takes 28x28 single-channel images (Fashion-MNIST); got " +
                          std::to_string(input.channels) + "x" + std::to_string(input.rows) + "x" +
                          std::to_string(input.cols) +
                          "; use 'mlp' or 'resnet18' for other inputs");
  }
  conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 5)));
  conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 5)));
  fc1_ = register_module("fc1", torch::nn::Linear(1024, 128));
  fc2_ = register_module("fc2", torch::nn::Linear(128, classes));
}

torch::Tensor Cnn::forward(const torch::Tensor& x) {
  torch::Tensor h = torch::max_pool2d(torch::relu(conv1_->forward(x)), 2);
  h = torch::max_pool2d(torch::relu(conv2_->forward(h)), 2);
  h = torch::relu(fc1_->forward(h.flatten(1)));
  return fc2_->forward(h);
}

}  // namespace dcopt::train

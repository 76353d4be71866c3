#include "dcopt/train/models/mlp.hpp"

namespace dcopt::train {

Mlp::Mlp(InputShape input, std::vector<int> hidden, int classes) : hidden_(std::move(hidden)) {
  int in = input.numel();
  std::vector<int> widths = hidden_;
  widths.push_back(classes);
  for (std::size_t i = 0; i < widths.size(); ++i) {
    std::string name = "fc";
    name += std::to_string(i + 1);
    layers_.push_back(register_module(name, torch::nn::Linear(in, widths[i])));
    in = widths[i];
  }
}

torch::Tensor Mlp::forward(const torch::Tensor& x) {
  torch::Tensor h = x.flatten(1);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    h = layers_[i]->forward(h);
    if (i + 1 < layers_.size()) h = torch::relu(h);
  }
  return h;
}

std::string Mlp::describe() const {
  std::string s = "mlp[";
  for (std::size_t i = 0; i < hidden_.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(hidden_[i]);
  }
  return s + "]";
}

}  // namespace dcopt::train

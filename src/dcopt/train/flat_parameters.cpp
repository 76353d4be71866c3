#include "dcopt/train/flat_parameters.hpp"

#include <algorithm>

#include "dcopt/core/error.hpp"

namespace dcopt::train {
namespace {

ParamLayout layout_of(torch::nn::Module& module) {
  std::vector<std::pair<std::string, std::vector<std::size_t>>> tensors;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    const torch::Tensor& p = item.value();
    if (p.scalar_type() != torch::kFloat32 || !p.device().is_cpu()) {
      throw InvalidArgument("parameter '" + item.key() +
                            "': flat buffers hold float32 CPU tensors only");
    }
    std::vector<std::size_t> shape;
    for (auto d : p.sizes()) shape.push_back(static_cast<std::size_t>(d));
    tensors.emplace_back(item.key(), std::move(shape));
  }
  return ParamLayout::packed(std::move(tensors));
}

}  // namespace

FlatParameters::FlatParameters(torch::nn::Module& module)
    : layout_(layout_of(module)), params_(layout_.size()), grads_(layout_.size(), 0.0f) {
  const auto n = static_cast<std::int64_t>(layout_.size());
  params_tensor_ = torch::from_blob(params_.data(), {n}, torch::kFloat32);
  grads_tensor_ = torch::from_blob(grads_.data(), {n}, torch::kFloat32);
  std::size_t i = 0;
  for (auto& item : module.named_parameters(/*recurse=*/true)) {
    torch::Tensor& p = item.value();
    const ParamTensor& t = layout_[i++];
    const auto off = static_cast<std::int64_t>(t.offset);
    const auto len = static_cast<std::int64_t>(t.numel());
    torch::Tensor data = params_tensor_.narrow(0, off, len).view(p.sizes());
    {
      torch::NoGradGuard no_grad;
      data.copy_(p);
    }
    p.set_data(data);
    p.mutable_grad() = grads_tensor_.narrow(0, off, len).view(p.sizes());
  }
}

void FlatParameters::zero_grads() { std::fill(grads_.begin(), grads_.end(), 0.0f); }

}  // namespace dcopt::train

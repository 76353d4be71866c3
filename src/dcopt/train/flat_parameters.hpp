#pragma once
// FlatParameters (DESIGN.md, "Caller-owned buffers"): every parameter of a module becomes a view
// into one contiguous fp32 buffer, and its gradient a view into a second buffer with the same
// ParamLayout, so methods, codecs, communicators and update rules work on two std::spans with no
// per-step copy. Backward accumulates into the gradient views in place (autograd adds into an
// existing .grad when it is not building a graph), so zero_grads() before each backward is all a
// step needs.
//
// Ownership: the buffers are owned here (std::vector, never resized after construction); the
// module's parameters and gradients alias them. The module must outlive nothing of this object
// and must not be given new parameters afterwards. Tensor names are the module's dotted
// parameter names, in registration order (named_parameters()).
#include <memory>
#include <span>
#include <vector>

#include "dcopt/core/param_layout.hpp"
#include "dcopt/train/torch_pch.hpp"

namespace dcopt::train {

class FlatParameters {
 public:
  /// Moves the current values of `module`'s parameters into the flat buffer and points their
  /// data and gradients at it. InvalidArgument if a parameter is not float32 on the CPU.
  explicit FlatParameters(torch::nn::Module& module);
  FlatParameters(const FlatParameters&) = delete;
  FlatParameters& operator=(const FlatParameters&) = delete;

  const ParamLayout& layout() const { return layout_; }
  std::size_t size() const { return params_.size(); }
  std::span<float> params() { return params_; }
  std::span<const float> params() const { return params_; }
  std::span<float> grads() { return grads_; }
  std::span<const float> grads() const { return grads_; }
  void zero_grads();

 private:
  ParamLayout layout_;
  std::vector<float> params_;
  std::vector<float> grads_;
  torch::Tensor params_tensor_, grads_tensor_;  ///< torch views of the two buffers
};

}  // namespace dcopt::train

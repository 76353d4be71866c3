#include "dcopt/train/parameter_init.hpp"

#include <cmath>
#include <map>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt::train {
namespace {

enum class Kind { affine, norm };

struct Role {
  Kind kind = Kind::affine;
  double fan_in = 1.0;
};

// The module that owns each parameter (by full name) and what it is.
std::map<std::string, Role> roles(torch::nn::Module& module) {
  std::map<std::string, Role> out;
  if (!module.named_parameters(/*recurse=*/false).is_empty()) {
    throw InvalidArgument(
        "init_parameters: the top-level module has parameters of its own; "
        "register them in a Linear, Conv2d or norm submodule");
  }
  // Without the top-level module itself (which may live on the stack, not in a shared_ptr).
  for (const auto& m : module.named_modules("", /*include_self=*/false)) {
    const std::string prefix = m.key().empty() ? "" : m.key() + ".";
    torch::nn::Module& mod = *m.value();
    Role role;
    if (auto* lin = mod.as<torch::nn::Linear>()) {
      role.fan_in = static_cast<double>(lin->options.in_features());
    } else if (auto* conv = mod.as<torch::nn::Conv2d>()) {
      const auto& k = conv->options.kernel_size();
      role.fan_in = static_cast<double>(conv->options.in_channels() / conv->options.groups() *
                                        (*k)[0] * (*k)[1]);
    } else if (mod.as<torch::nn::BatchNorm2d>() || mod.as<torch::nn::LayerNorm>()) {
      role.kind = Kind::norm;
    } else {
      if (!mod.named_parameters(false).is_empty()) {
        throw InvalidArgument("init_parameters: module '" + m.key() + "' (" + mod.name() +
                              ") has parameters of a kind with no initializer here");
      }
      continue;
    }
    for (const auto& p : mod.named_parameters(/*recurse=*/false)) out[prefix + p.key()] = role;
  }
  return out;
}

}  // namespace

void init_parameters(torch::nn::Module& module, FlatParameters& flat, std::uint64_t seed) {
  const std::map<std::string, Role> by_name = roles(module);
  const ParamLayout& layout = flat.layout();
  for (std::size_t i = 0; i < layout.num_tensors(); ++i) {
    const ParamTensor& t = layout[i];
    std::span<float> v = layout.view(flat.params(), i);
    const auto it = by_name.find(t.name);
    if (it == by_name.end()) {
      throw InvalidArgument("init_parameters: no owning module found for '" + t.name + "'");
    }
    const Role& role = it->second;
    if (role.kind == Kind::norm) {
      const bool is_bias = t.name.size() >= 4 && t.name.compare(t.name.size() - 4, 4, "bias") == 0;
      std::fill(v.begin(), v.end(), is_bias ? 0.0f : 1.0f);
      continue;
    }
    const double bound = 1.0 / std::sqrt(role.fan_in);
    Rng rng(seed, Purpose::init, 0, i);
    for (float& x : v) x = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
  }
}

}  // namespace dcopt::train

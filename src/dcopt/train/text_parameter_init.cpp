#include "dcopt/train/text_parameter_init.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt::train {
namespace {

enum class Kind { normal, zero, one };

bool ends_with(const std::string& s, const char* tail) {
  const std::string t(tail);
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// What each parameter (by full name) starts as, from the module that owns it.
std::map<std::string, Kind> kinds(torch::nn::Module& module) {
  std::map<std::string, Kind> out;
  const auto own = [&](torch::nn::Module& mod, const std::string& prefix) {
    const bool linear_or_embedding =
        mod.as<torch::nn::Linear>() != nullptr || mod.as<torch::nn::Embedding>() != nullptr;
    const bool norm = mod.as<torch::nn::LayerNorm>() != nullptr;
    for (const auto& p : mod.named_parameters(/*recurse=*/false)) {
      const std::string name = prefix + p.key();
      const bool bias = ends_with(p.key(), "bias");
      if (norm) {
        out[name] = bias ? Kind::zero : Kind::one;
      } else if (linear_or_embedding) {
        out[name] = bias ? Kind::zero : Kind::normal;
      } else if (bias) {
        out[name] = Kind::zero;
      } else {
        throw InvalidArgument("init_text_parameters: '" + name + "' (in a " + mod.name() +
                              ") is of a kind with no initializer here");
      }
    }
  };
  own(module, "");
  // Without the top-level module itself (which may live on the stack, not in a shared_ptr).
  for (const auto& m : module.named_modules("", /*include_self=*/false)) {
    own(*m.value(), m.key() + ".");
  }
  return out;
}

}  // namespace

void init_text_parameters(torch::nn::Module& module, FlatParameters& flat, std::uint64_t seed) {
  const std::map<std::string, Kind> by_name = kinds(module);
  const ParamLayout& layout = flat.layout();
  for (std::size_t i = 0; i < layout.num_tensors(); ++i) {
    const ParamTensor& t = layout[i];
    std::span<float> v = layout.view(flat.params(), i);
    const auto it = by_name.find(t.name);
    if (it == by_name.end()) {
      throw InvalidArgument("init_text_parameters: no owning module found for '" + t.name + "'");
    }
    if (it->second != Kind::normal) {
      std::fill(v.begin(), v.end(), it->second == Kind::one ? 1.0f : 0.0f);
      continue;
    }
    Rng rng(seed, Purpose::init, 0, i);
    for (float& x : v) {
      double z = rng.normal();
      while (std::abs(z) > 2.0) z = rng.normal();
      x = static_cast<float>(z * bert_init_stddev);
    }
  }
}

}  // namespace dcopt::train

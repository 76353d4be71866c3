#include "dcopt/train/seeded_dropout.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

namespace dcopt::train {

DropoutGenerator::DropoutGenerator(std::uint64_t seed)
    : gen_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

void DropoutGenerator::set_seed(std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(gen_.mutex());
  gen_.set_current_seed(seed);
}

torch::Tensor DropoutGenerator::apply(const torch::Tensor& x, double p, bool training) {
  if (!training || p == 0.0) return x;
  // The mask is a constant of the graph (no gradient flows into it); bernoulli_ on the CPU
  // draws from gen_ in a fixed order whatever the intra-op thread count.
  torch::Tensor keep;
  {
    torch::NoGradGuard no_grad;
    keep = torch::empty_like(x).bernoulli_(1.0 - p, gen_).div_(1.0 - p);
  }
  return x * keep;
}

}  // namespace dcopt::train

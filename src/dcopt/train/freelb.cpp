#include "dcopt/train/freelb.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dcopt/core/error.hpp"

namespace dcopt::train {
namespace {

void require(bool ok, const char* context, const char* key, double value, const char* valid) {
  if (!ok) throw InvalidArgument(fmt::format("{}: {} = {}; valid: {}", context, key, value, valid));
}

// Per example (dim 0): the l2 norm over the remaining dims, shaped (N, 1, 1).
torch::Tensor example_norms(const torch::Tensor& t) {
  return t.flatten(1).norm(2, 1).view({-1, 1, 1});
}

}  // namespace

void check_freelb_options(const FreeLbOptions& o, const char* context) {
  require(o.steps >= 1, context, "steps", o.steps, "K >= 1");
  require(std::isfinite(o.step_size) && o.step_size >= 0, context, "step_size", o.step_size,
          ">= 0");
  require(std::isfinite(o.init_magnitude) && o.init_magnitude >= 0, context, "init_magnitude",
          o.init_magnitude, ">= 0");
  require(std::isfinite(o.max_norm) && o.max_norm >= 0, context, "max_norm", o.max_norm,
          ">= 0 (0 = unbounded)");
  require(std::isfinite(o.beta) && o.beta >= 0, context, "beta", o.beta, ">= 0");
}

FreeLbResult freelb_ascent(const torch::Tensor& embeds, const torch::Tensor& mask,
                           const EmbeddingLoss& loss_at, const FreeLbOptions& o,
                           torch::Generator& gen) {
  check_freelb_options(o, "freelb");
  const torch::TensorOptions opts = embeds.options().requires_grad(false);
  torch::Tensor delta = torch::zeros(embeds.sizes(), opts);
  if (o.init_magnitude > 0) {
    // U(-1, 1) * mask * mag / sqrt(len * E), len = the example's real tokens.
    const torch::Tensor len = mask.sum({1, 2}, /*keepdim=*/true).clamp_min(1);
    const torch::Tensor u = torch::rand(embeds.sizes(), gen, opts) * 2 - 1;
    delta = u * mask * o.init_magnitude / (len * static_cast<double>(embeds.size(2))).sqrt();
  }
  FreeLbResult res;
  for (int t = 1; t <= o.steps; ++t) {
    const bool last = t == o.steps;
    torch::Tensor d = delta.detach().requires_grad_(!last);
    const torch::Tensor loss = loss_at(embeds + d);
    const double value = loss.item<double>();
    const double penalty = o.beta > 0 ? 0.5 * o.beta * d.detach().square().sum().item<double>() : 0;
    res.objectives.push_back(value - penalty);
    const torch::Tensor scaled = loss / o.steps;
    scaled.backward({}, /*retain_graph=*/!last);
    res.loss += scaled.item<double>();
    if (last) break;
    torch::Tensor g = d.grad() * static_cast<double>(o.steps);  // grad of L, not of L / K
    if (o.beta > 0) g = g - o.beta * d.detach();
    const torch::Tensor gn = example_norms(g);
    delta = (d.detach() + o.step_size * g / torch::where(gn > 0, gn, torch::ones_like(gn))) * mask;
    if (o.max_norm > 0) {
      const torch::Tensor dn = example_norms(delta);
      delta = delta * torch::where(dn > o.max_norm, o.max_norm / dn, torch::ones_like(dn));
    }
  }
  double sum = 0;
  for (double v : res.objectives) sum += v;
  res.objective = sum / static_cast<double>(res.objectives.size());
  res.delta = delta.detach();
  return res;
}

}  // namespace dcopt::train

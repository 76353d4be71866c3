#include "dcopt/train/embedding_perturbation.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/train/freelb.hpp"
#include "dcopt/train/symmetric_kl.hpp"

namespace dcopt::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void require(bool ok, const char* key, double value, const char* valid) {
  if (!ok)
    throw InvalidArgument(fmt::format("perturbation: {} = {}; valid: {}", key, value, valid));
}

// (N, S, 1) float: 1 on real tokens, 0 on padding (all 1 without a mask).
torch::Tensor token_mask(const TextInputs& b, const torch::Tensor& embeds) {
  if (!b.attention_mask.defined()) {
    return torch::ones({embeds.size(0), embeds.size(1), 1}, embeds.options());
  }
  return b.attention_mask.to(embeds.scalar_type()).unsqueeze(-1);
}

torch::Tensor logits_of(TextNetwork& net, const TextInputs& b, const torch::Tensor& embeds) {
  if (b.dropout_seed) net.set_dropout_seed(*b.dropout_seed);
  return net.classify(net.encode(embeds, b.segments, b.attention_mask));
}

torch::Tensor ascent_direction(const torch::Tensor& g, AscentDirection d) {
  switch (d) {
    case AscentDirection::plain: return g;
    case AscentDirection::sign: return g.sign();
    case AscentDirection::linf: {
      // Per example: divide by max |G| over its (S, E) entries; an all-zero G stays 0.
      const torch::Tensor m = g.abs().amax({1, 2}, /*keepdim=*/true);
      return g / torch::where(m > 0, m, torch::ones_like(m));
    }
  }
  return g;
}

double linf(const torch::Tensor& t) { return t.numel() ? t.abs().max().item<double>() : 0.0; }

}  // namespace

FreeLbOptions freelb_options(const PerturbationOptions& o) {
  FreeLbOptions f;
  f.steps = o.steps;
  f.step_size = o.step_size;
  f.init_magnitude = o.init_magnitude;
  f.max_norm = o.max_norm;
  return f;
}

PerturbationMode parse_perturbation_mode(const std::string& name) {
  if (name == "none") return PerturbationMode::none;
  if (name == "pga") return PerturbationMode::pga;
  if (name == "freelb") return PerturbationMode::freelb;
  if (name == "gaussian") return PerturbationMode::gaussian;
  throw InvalidArgument("perturbation: mode '" + name + "'; valid: none, pga, freelb, gaussian");
}

std::string to_string(PerturbationMode mode) {
  switch (mode) {
    case PerturbationMode::none: return "none";
    case PerturbationMode::pga: return "pga";
    case PerturbationMode::freelb: return "freelb";
    case PerturbationMode::gaussian: return "gaussian";
  }
  return "?";
}

torch::Tensor task_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  if (!labels.defined() || labels.dim() != 1 || logits.dim() != 2 ||
      labels.size(0) != logits.size(0)) {
    throw InvalidArgument("task_loss: needs (N, C) outputs and N labels");
  }
  if (logits.size(1) == 1) return torch::mse_loss(logits.squeeze(1), labels.to(logits.dtype()));
  return torch::cross_entropy_loss(logits, labels);
}

EmbeddingPerturbation::EmbeddingPerturbation(PerturbationOptions o) : options_(o) {
  require(o.steps >= 1, "steps", o.steps, "K >= 1");
  require(std::isfinite(o.step_size) && o.step_size >= 0, "step_size", o.step_size, "rho >= 0");
  require(std::isfinite(o.radius) && o.radius > 0, "radius", o.radius, "omega > 0");
  require(std::isfinite(o.init_sigma) && o.init_sigma >= 0, "init_sigma", o.init_sigma, ">= 0");
  require(std::isfinite(o.sigma) && o.sigma >= 0, "sigma", o.sigma, ">= 0");
  require(std::isfinite(o.lambda) && o.lambda >= 0, "lambda", o.lambda, ">= 0");
  require(std::isfinite(o.init_magnitude) && o.init_magnitude >= 0, "init_magnitude",
          o.init_magnitude, ">= 0");
  require(std::isfinite(o.max_norm) && o.max_norm >= 0, "max_norm", o.max_norm,
          ">= 0 (0 = unbounded)");
}

PerturbationResult EmbeddingPerturbation::run(TextNetwork& net, const TextInputs& b,
                                              const torch::Tensor& clean,
                                              torch::Generator& gen) const {
  const PerturbationOptions& o = options_;
  PerturbationResult res;
  const bool regularizer = o.mode == PerturbationMode::pga || o.mode == PerturbationMode::gaussian;
  if (o.mode == PerturbationMode::none || (regularizer && o.lambda == 0)) return res;
  const auto t0 = Clock::now();
  const bool needs_labels =
      o.mode == PerturbationMode::freelb ||
      (o.mode == PerturbationMode::pga && o.label == AdversarialLabel::ground_truth);
  if (needs_labels && !b.labels.defined()) {
    throw InvalidArgument("perturbation: " + to_string(o.mode) + " needs the batch's labels");
  }
  if (regularizer && !clean.defined()) {
    throw InvalidArgument("perturbation: " + to_string(o.mode) + " needs the clean logits");
  }
  // E with its graph to the embedding weights; the ascent works on a detached copy.
  const torch::Tensor embeds = net.token_embeddings(b.ids);
  const torch::Tensor mask = token_mask(b, embeds);
  const torch::TensorOptions opts = embeds.options().requires_grad(false);

  if (o.mode == PerturbationMode::freelb) {
    const FreeLbResult r = freelb_ascent(
        embeds, mask,
        [&](const torch::Tensor& e) { return task_loss(logits_of(net, b, e), b.labels); },
        freelb_options(o), gen);
    res.backward_done = true;
    res.freelb_loss = r.loss;
    res.delta = r.delta;
  } else {
    torch::Tensor delta;
    if (o.mode == PerturbationMode::gaussian) {
      delta = torch::randn(embeds.sizes(), gen, opts) * o.sigma * mask;
    } else {
      // Algorithm 1 only says "select y_0". At delta = 0 the divergence from the clean output is
      // at its minimum and its gradient is exactly 0 (the ascent could not move), so PGA starts
      // from small Gaussian noise as SMART does, unless init_sigma = 0.
      delta = o.init_sigma > 0 ? torch::randn(embeds.sizes(), gen, opts) * o.init_sigma * mask
                               : torch::zeros(embeds.sizes(), opts);
      const torch::Tensor e = embeds.detach();
      const torch::Tensor target = clean.detach();
      for (int k = 0; k < o.steps; ++k) {
        torch::Tensor d = delta.detach().requires_grad_(true);
        const torch::Tensor out = logits_of(net, b, e + d);
        const torch::Tensor adv = o.label == AdversarialLabel::probabilities
                                      ? output_divergence(out, target)
                                      : task_loss(out, b.labels);
        const torch::Tensor g = torch::autograd::grad({adv}, {d})[0];
        delta = (d.detach() + o.step_size * ascent_direction(g, o.direction))
                    .clamp(-o.radius, o.radius) *
                mask;
      }
    }
    delta = delta.detach();
    const torch::Tensor out = logits_of(net, b, embeds + delta);
    const torch::Tensor r = output_divergence(out, o.detach_clean ? clean.detach() : clean);
    res.divergence = r.item<double>();
    res.term = o.lambda * r;
    res.delta = delta;
  }
  res.delta_linf = linf(res.delta);
  res.seconds = seconds_since(t0);
  return res;
}

PerturbedStep perturbed_forward_backward(TextNetwork& net, const TextInputs& b,
                                         const EmbeddingPerturbation& perturbation,
                                         torch::Generator& gen) {
  PerturbedStep step;
  if (perturbation.options().mode == PerturbationMode::freelb) {
    step.perturbation = perturbation.run(net, b, torch::Tensor(), gen);
    step.task_loss = step.perturbation.freelb_loss;
    return step;
  }
  const auto t0 = Clock::now();
  if (b.dropout_seed) net.set_dropout_seed(*b.dropout_seed);
  const torch::Tensor clean = net.forward(b.ids, b.segments, b.attention_mask);
  const torch::Tensor loss = task_loss(clean, b.labels);
  step.task_loss = loss.item<double>();
  step.forward_s = seconds_since(t0);
  step.perturbation = perturbation.run(net, b, clean, gen);
  const auto t1 = Clock::now();
  step.perturbation.total(loss).backward();
  step.backward_s = seconds_since(t1);
  return step;
}

}  // namespace dcopt::train

#pragma once
// FreeLB's "free" adversarial training (Zhu et al., ICLR 2020; ALGORITHMS.md §6.3, l2 variant)
// on any loss of the word embeddings: the inner maximization of
//
//   min_w max_{||delta_n|| <= e} L(w, E + delta) - beta/2 ||delta||^2
//
// (the MASHA paper's §5.2 objective; L the batch's loss as the caller defines it, a mean; the
// lambda/2 ||w||^2 term is the optimizer's weight decay) in the compute-efficient regimen: K
// ascent steps on delta whose weight gradients are accumulated, so that one optimizer step uses
// the average of the K gradients:
//
//   delta_0 = U(-1, 1) * mask * init_magnitude / sqrt(len * E)   per example (0 if init = 0)
//   for t = 1..K:
//     (L(E + delta_{t-1}) / K).backward()        the weight gradients ACCUMULATE into .grad
//     if t < K:
//       G = grad_delta L - beta * delta_{t-1}      the gradient of the objective in delta
//       delta_t = (delta_{t-1} + step_size * G / ||G||_2) * mask   per example
//       if max_norm > 0: rescale each example's delta_t to ||delta_t||_2 <= max_norm
//
// `len` is the example's number of real tokens (mask 1), E the embedding width, the norms over
// an example's (S, E) entries. With K = 1 the only pass is L(E + delta_0) / 1: with
// init_magnitude = 0 that is bit for bit the clean loss and gradient (E + 0 = E exactly).
//
// The embeddings' own graph (to the embedding table) is kept across the K backward passes, so
// the caller computes `embeds` once with its graph. Randomness: only `gen` (delta_0).
#include <functional>
#include <vector>

#include "dcopt/train/torch_pch.hpp"

namespace dcopt::train {

struct FreeLbOptions {
  int steps = 1;                ///< K >= 1
  double step_size = 0.0;       ///< adv_lr >= 0
  double init_magnitude = 0.0;  ///< adv_init_mag >= 0
  double max_norm = 0.0;        ///< the per-example l2 bound e >= 0; 0 = none
  double beta = 0.0;            ///< weight >= 0 of -beta/2 ||delta||^2 (the MASHA paper's)
};

/// InvalidArgument naming the option (prefixed by `context`) for one out of range.
void check_freelb_options(const FreeLbOptions& o, const char* context);

struct FreeLbResult {
  /// sum_t L_t / K: the mean loss over the K passes (FreeLB's reported training loss).
  double loss = 0.0;
  /// Per pass t = 1..K: L(E + delta_{t-1}) - beta/2 ||delta_{t-1}||^2, the saddle objective
  /// at the perturbation of that pass (unscaled by K).
  std::vector<double> objectives;
  /// The mean of `objectives`: the training objective a run reports.
  double objective = 0.0;
  torch::Tensor delta;  ///< the last pass's delta (N, S, E), detached
};

/// The loss L of the batch at given word embeddings (N, S, E), a scalar with graph to the
/// weights and to its argument.
using EmbeddingLoss = std::function<torch::Tensor(const torch::Tensor& token_embeds)>;

/// Runs the K passes above. `embeds` (N, S, E) with its graph to the weights; `mask` (N, S, 1)
/// float, 1 on real tokens and 0 on padding. Gradients accumulate into the parameters' .grad
/// (zero them before).
FreeLbResult freelb_ascent(const torch::Tensor& embeds, const torch::Tensor& mask,
                           const EmbeddingLoss& loss_at, const FreeLbOptions& o,
                           torch::Generator& gen);

}  // namespace dcopt::train

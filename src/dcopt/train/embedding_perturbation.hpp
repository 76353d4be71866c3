#pragma once
// Perturbations of the word embeddings for adversarial fine-tuning (issue 9; ScaLA: Zhang,
// Naresh, He 2022, Algorithm 1 and §3.1; ALGORITHMS.md §6.2-6.4). With E = token_embeddings(ids),
// logits(X) = classify(encode(X, segments, mask)), clean = logits(E) computed by the caller:
//   pga       delta_0 ~ N(0, init_sigma^2) (0 if init_sigma = 0), then K times
//               delta = Pi_omega(delta + rho * D(grad_delta a(delta)))
//             with a = output_divergence(logits(E + delta), clean.detach()) (label = probabilities)
//             or the task loss against the true labels (label = ground_truth), D the ascent
//             direction (plain gradient: the paper's formula; sign; or per-example l_inf
//             normalization), Pi_omega the clip to [-omega, omega] per entry (l_inf ball of radius
//             omega around E). Result: the regularizer
//               term = lambda * output_divergence(logits(E + delta), clean)
//             with graph to the weights (through E, the encoder and, unless detach_clean, through
//             clean); delta itself is a constant there. The caller backpropagates
//             task_loss + term once. ScaLA is K = 1 ("PGA-1").
//             Scale note: the gradient of r near its minimum (delta = 0) is O(curvature * delta),
//             so with the plain gradient and appendix B's rho = 1e-4 the step from delta_0 is far
//             below omega on small models (delta stays ~ delta_0); sign (or linf) gives the
//             box-saturating step delta = omega * sign(G) of ALGORITHMS.md §6.2's remark.
//   gaussian  delta ~ N(0, sigma^2), the same term (the paper's random-noise ablation, Table 4).
//   freelb    FreeLB's K-step ascent (freelb.hpp; ALGORITHMS.md §6.3, l2 variant) on the task
//             loss: delta_0 = U(-1, 1) * init_magnitude / sqrt(len * E) per example (len its
//             real tokens; 0 if init_magnitude = 0); for t = 1..K:
//             (task_loss(logits(E + delta)) / K).backward(), the weight gradients ACCUMULATE
//             over the K steps; for t < K: delta += rho * G / ||G||_2 per example, rescaled to
//             ||delta||_2 <= max_norm (0 = unbounded). The backward is done here: there is no
//             term to add, and the caller's own clean backward must be skipped (the result says
//             so).
//   none      nothing: no term, no time.
// lambda = 0 with pga or gaussian also does nothing (no forward, no term), so that the step is the
// clean step bit for bit. delta is 0 on padding positions (attention_mask 0) in every mode.
//
// Randomness comes only from the caller's torch::Generator (seeded per worker and step), never
// torch's global generator. Dropout: if `dropout_seed` is given, every forward pass here first
// calls set_dropout_seed(*dropout_seed), so that (with the caller's clean pass seeded the same)
// all passes share one dropout mask and the divergence measures delta, not dropout noise.
#include <cstdint>
#include <optional>
#include <string>

#include "dcopt/train/freelb.hpp"
#include "dcopt/train/text_network.hpp"
#include "dcopt/train/torch_pch.hpp"

namespace dcopt::train {

enum class PerturbationMode { none, pga, freelb, gaussian };
/// What the PGA ascent maximizes: the divergence from the model's own label probabilities
/// (ScaLA) or the task loss against the true labels (the "ground truth" ablation, Table 4).
enum class AdversarialLabel { probabilities, ground_truth };
/// The ascent step's direction: plain = the gradient (Algorithm 1 line 8 as written), sign =
/// sign(G) (FGSM), linf = G / max|G| per example (SMART's code).
enum class AscentDirection { plain, sign, linf };

struct PerturbationOptions {
  PerturbationMode mode = PerturbationMode::pga;
  int steps = 1;             ///< K >= 1 (pga, freelb)
  double step_size = 1e-4;   ///< rho >= 0, the ascent step (pga, freelb); appendix B: 1e-4
  double radius = 1e-5;      ///< omega > 0, the l_inf radius (pga); appendix B: 1e-5
  double init_sigma = 1e-5;  ///< pga: std of delta_0 >= 0 (SMART's 1e-5; see the .cpp)
  double sigma = 1e-5;       ///< gaussian: std of delta >= 0
  double lambda = 1.0;       ///< weight >= 0 of the term (pga, gaussian); appendix B: 1
  AdversarialLabel label = AdversarialLabel::probabilities;
  AscentDirection direction = AscentDirection::plain;
  /// pga, gaussian: stop the gradient through the clean logits in the term (the paper does not).
  bool detach_clean = false;
  double init_magnitude = 0.0;  ///< freelb: adv_init_mag >= 0
  double max_norm = 0.0;        ///< freelb: per-example l2 bound >= 0, 0 = none
};

/// The freelb mode's options for freelb_ascent (beta = 0: the fine-tuning objective has no
/// penalty on delta).
FreeLbOptions freelb_options(const PerturbationOptions& o);

/// "none", "pga", "freelb", "gaussian"; InvalidArgument for another name.
PerturbationMode parse_perturbation_mode(const std::string& name);
std::string to_string(PerturbationMode mode);

/// One batch of model inputs. ids, segments: int64 (N, S); attention_mask (N, S) 1/0 (undefined:
/// no padding; segments undefined: all 0); labels: int64 (N) class ids for C >= 2 outputs,
/// float (N) targets for regression (1 output). Labels are needed by freelb and ground_truth.
struct TextInputs {
  torch::Tensor ids, segments, attention_mask, labels;
  std::optional<std::uint64_t> dropout_seed;
};

/// Cross-entropy (mean) for (N, C >= 2) logits and int64 labels, mean squared error for (N, 1)
/// outputs and float targets.
torch::Tensor task_loss(const torch::Tensor& logits, const torch::Tensor& labels);

struct PerturbationResult {
  /// pga, gaussian (lambda > 0): lambda * r with graph to the weights; undefined otherwise.
  torch::Tensor term;
  /// freelb: the weight gradients of the K steps are already accumulated into .grad.
  bool backward_done = false;
  /// freelb: the sum of the K scaled losses (the mean task loss over the steps); else 0.
  double freelb_loss = 0.0;
  /// r (before lambda) for pga and gaussian, 0 otherwise.
  double divergence = 0.0;
  double seconds = 0.0;     ///< wall time spent here (the perturbation's forward/backward passes)
  double delta_linf = 0.0;  ///< max |delta| of the final perturbation
  /// The final delta (N, S, E), detached; undefined for none.
  torch::Tensor delta;

  /// task + term, or task when there is no term (bit for bit the clean loss then).
  torch::Tensor total(const torch::Tensor& task) const {
    return term.defined() ? task + term : task;
  }
};

class EmbeddingPerturbation {
 public:
  /// InvalidArgument naming the option for one out of range.
  explicit EmbeddingPerturbation(PerturbationOptions options);
  const PerturbationOptions& options() const { return options_; }

  /// Runs the perturbation on `batch` at the network's current parameters. `clean_logits`
  /// (N, C) = net.forward(batch) with graph, required by pga and gaussian (unused otherwise).
  PerturbationResult run(TextNetwork& net, const TextInputs& batch,
                         const torch::Tensor& clean_logits, torch::Generator& gen) const;

 private:
  PerturbationOptions options_;
};

/// One step's loss and gradients with a perturbation: the clean forward, the task loss, the
/// perturbation, one backward of task + term (skipped for freelb, which backpropagates itself).
/// Gradients accumulate into the parameters' .grad (zero them before). Returns the task loss
/// value, the result of run() and where the time went (wall seconds; the paper's Figure 2):
///   forward_s              the clean forward and the task loss;
///   backward_s             the one backward of task + term (through the clean and the perturbed
///                          graphs alike);
///   perturbation.seconds   run(): the ascent and the perturbed forward.
/// freelb has no clean pass: its K forward/backward passes are all perturbation.seconds, and
/// forward_s = backward_s = 0.
struct PerturbedStep {
  double task_loss = 0.0;
  PerturbationResult perturbation;
  double forward_s = 0.0;
  double backward_s = 0.0;
};
PerturbedStep perturbed_forward_backward(TextNetwork& net, const TextInputs& batch,
                                         const EmbeddingPerturbation& perturbation,
                                         torch::Generator& gen);

}  // namespace dcopt::train

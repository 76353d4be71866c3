#pragma once
// The files of `dcopt pretrain` and `dcopt finetune` (TOML; docs/TEXT.md lists every key): the
// tables every training command shares (train_config.hpp: name, seed, workers, topology, [model],
// [train], [optimizer], [communication], [output]), the text data (experiment/
// text_data_config.hpp: [data], [tokenizer], `pretrained`), and for finetune the adversarial
// perturbation of the word embeddings:
//
//   [perturbation]
//   mode = "none"          # "pga" (ScaLA's PGA-K, K = steps), "freelb", "gaussian", "none"
//   start_epoch = 3        # t_s of Algorithm 1: perturb in epochs t >= t_s (1-based; 0 and 1:
//                          # from the start); appendix B's 3 (or 5) of 6 epochs. A t_s after the
//                          # run's last epoch is allowed (the plain optimizer) with a warning
//   lambda = 1.0           # weight of the symmetric-KL term (appendix B: 1)
//   radius = 1e-5          # omega, the l_inf radius (appendix B: 1e-5)
//   step_size = 1e-4       # rho, the ascent step (appendix B: 1e-4)
//   steps = 1              # K ascent steps (pga, freelb)
//   label = "probabilities"  # or "ground_truth" (Table 4's ablation)
//   direction = "plain"    # "sign", "linf" (embedding_perturbation.hpp)
//   init_sigma = 1e-5      # pga: std of delta_0
//   sigma = 1e-5           # gaussian: std of the noise
//   detach_clean = false   # pga, gaussian: stop the gradient through the clean logits
//   init_magnitude = 0.0   # freelb: adv_init_mag
//   max_norm = 0.0         # freelb: per-example l2 bound (0: none)
//
// For pretrain, adversarial pre-training (the MASHA paper's §5.2: FreeLB on the MLM loss,
// freelb.hpp) is switched on at the top level and configured by its own table:
//
//   adversarial = true     # default false
//   [freelb]               # only with adversarial = true
//   steps = 2              # K ascent passes, the weight gradients accumulated over them
//   step_size = 0.1        # adv_lr: each pass moves delta by step_size * G / ||G|| per example
//   init_magnitude = 0.1   # adv_init_mag: delta_0 = U(-1, 1) * mag / sqrt(len * E)
//   max_norm = 0.0         # the bound e of ||delta_n||_2 (0: none)
//   beta = 0.0             # the objective's -beta/2 ||delta||^2
//
// In finetune the architecture comes from the pre-trained model: [model] may set only
// hidden_dropout and attention_dropout (the fine-tuning dropout).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dcopt/experiment/text_data_config.hpp"
#include "dcopt/train/embedding_perturbation.hpp"
#include "dcopt/train/train_config.hpp"

namespace dcopt::train {

struct TextTrainConfig {
  TextCommand command = TextCommand::pretrain;
  TrainConfig base;  ///< base.data is unused
  TextDataConfig data;
  PerturbationOptions perturbation;          ///< finetune; mode none for pretrain
  std::optional<FreeLbOptions> adversarial;  ///< pretrain with adversarial = true
  std::uint64_t start_epoch = 3;      ///< t_s, 1-based as Algorithm 1 (0 and 1: from the start)
  std::vector<std::string> warnings;  ///< for stderr: e.g. a t_s that no epoch reaches

  /// Is 0-based epoch `epoch` perturbed? Algorithm 1 line 7: t >= t_s with t = epoch + 1.
  bool perturbs(std::uint64_t epoch) const {
    return perturbation.mode != PerturbationMode::none && epoch + 1 >= start_epoch;
  }
};

/// Parses a pretrain or finetune file (InvalidArgument naming file, line and key).
/// `data_root` resolves relative data paths.
TextTrainConfig parse_text_train_config(const std::string& text, const std::string& source,
                                        TextCommand command,
                                        const std::vector<std::string>& overrides,
                                        const std::filesystem::path& data_root);
TextTrainConfig load_text_train_config(const std::filesystem::path& path, TextCommand command,
                                       const std::vector<std::string>& overrides,
                                       const std::filesystem::path& data_root);

}  // namespace dcopt::train

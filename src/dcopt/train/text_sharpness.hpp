#pragma once
// The sharpness of a text model's task loss (issue 9, `dcopt sharpness` for fine-tuned models;
// the paper's Figure 4c): the Hessian eigenvalue of largest magnitude of the clean task loss on
// a fixed batch, by power iteration (hessian_power_iteration.hpp).
#include <cstdint>
#include <span>

#include "dcopt/data/text_batch.hpp"
#include "dcopt/train/hessian_power_iteration.hpp"
#include "dcopt/train/text_network.hpp"

namespace dcopt::train {

/// The top Hessian eigenvalue (power iteration) of the task loss (task_loss of
/// embedding_perturbation.hpp: cross-entropy, or squared error for a regression head; NO
/// perturbation term) of `net` on the fixed batch make_text_batch(data, rows, max_len), with the
/// network in eval() (dropout off: a deterministic loss; its train()/eval() state restored
/// afterwards, also on an exception), with respect to all its parameters. Parameters the loss
/// does not reach (the MLM head of a classifier) have zero Hessian rows and columns: they are
/// left out of the iteration, which does not change the top-|eigenvalue| (unless it is 0).
/// `gen` seeds the start vector. Parameters and their .grad are not written.
/// InvalidArgument for an unlabeled dataset or bad rows / options.
PowerIterationResult text_loss_sharpness(TextNetwork& net, const TokenizedDataset& data,
                                         std::span<const std::uint32_t> rows, std::size_t max_len,
                                         const PowerIterationOptions& options,
                                         torch::Generator& gen);

}  // namespace dcopt::train

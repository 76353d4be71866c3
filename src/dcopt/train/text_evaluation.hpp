#pragma once
// The collective evaluations of a text network (issue 9), run at every evaluation row of
// `dcopt finetune` and `dcopt pretrain`: a GLUE task's dev set (the task loss and the task's
// metrics) and the masked-language-model loss on held-out sentences.
//
// Both split the examples over the workers by whole batches: batch j holds rows
// [j * batch, min(N, (j + 1) * batch)), and worker w of n evaluates batches [w B / n, (w+1) B / n)
// of the B = ceil(N / batch). So a batch is the same rows, padded to the same width, whatever n
// is: every example's outputs are computed in the same tensor shapes, hence the same bits, for 1
// or 8 workers (a split by examples would change the batches' widths and row counts, and the
// float results of the matrix products with them). The network runs in eval() (no dropout) under
// NoGradGuard; it is put back in training mode afterwards if it was in it, also when a call
// throws. Sums (losses, counts) are added over the workers in double in rank order
// (allreduce_sum, deterministic mode) and regression predictions allgathered in rank order:
// every worker gets the same numbers on every backend, and the numbers of different worker counts
// differ only by the rounding of the double sums of the per-batch losses (~1e-16 relative); the
// counts, the confusion-based metrics and the correlations are identical.
//
// The arguments are checked on every rank before the first collective (same data, same
// verdict), so a bad call throws InvalidArgument everywhere instead of leaving ranks waiting.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dcopt/data/glue_task.hpp"
#include "dcopt/data/text_batch.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/train/text_mlm_oracle.hpp"
#include "dcopt/train/text_network.hpp"

namespace dcopt::train {

struct TextEvaluation {
  /// Mean task loss over the examples: cross-entropy (nats) for a classification head, squared
  /// error (in the target's units squared) for a regression head (1 output).
  double loss = 0;
  /// The requested GlueMetrics in the given order, named by to_string(GlueMetric) ("accuracy",
  /// "f1", "matthews", "pearson", "spearman"). accuracy, f1 and matthews as fractions in [0, 1]
  /// ([-1, 1] for matthews); pearson and spearman NaN when the predictions are constant.
  std::vector<std::pair<std::string, double>> metrics;
  std::size_t samples = 0;
};

/// Collective: `net`'s loss and metrics on the labeled examples of `data`, in batches of `batch`
/// rows of at most `max_len` tokens (make_text_batch). A classification head (num_labels() >= 2)
/// needs class ids and accuracy/f1/matthews metrics, a regression head (num_labels() = 1)
/// targets and pearson/spearman. InvalidArgument otherwise, and for an empty or unlabeled
/// dataset, a class id outside the head's, batch = 0, max_len beyond the network's positions or
/// below make_text_batch's minimum, a vocabulary larger than the network's.
TextEvaluation evaluate_text_task(WorkerContext& ctx, TextNetwork& net,
                                  const TokenizedDataset& data, std::span<const GlueMetric> metrics,
                                  std::size_t max_len, std::size_t batch);

/// The masking stream's worker id for held-out evaluation: no training rank has it, so the
/// evaluation masks never coincide with a training minibatch's.
inline constexpr std::uint64_t kMlmEvalStream = 0xFFFF'FFFF;

struct MlmEvaluation {
  /// Mean cross-entropy (nats) over ALL masked positions of the held-out sentences (a sum over
  /// positions divided by their count, not a mean of batch means).
  double loss = 0;
  double accuracy = 0;       ///< fraction of masked positions whose argmax is the original id
  std::uint64_t masked = 0;  ///< masked positions evaluated
  std::size_t sentences = 0;
};

/// Collective: the MLM loss and masked-token accuracy of `net` on `eval` (sentences a only).
/// Batch j is masked as make_mlm_batch(eval, rows of batch j, eval.vocab_size, options with rank
/// = kMlmEvalStream, draw j), i.e. with Rng(options.seed, Purpose::masking, kMlmEvalStream, j):
/// the masks depend neither on the number of workers nor on the step, so every evaluation of a
/// run sees the same masked inputs and runs with different worker counts evaluate the same
/// masked positions. Uses options.max_len, masking and seed (options.rank is ignored).
/// InvalidArgument for an empty set, batch = 0, max_len beyond the network's positions, a
/// vocabulary larger than the network's, or no masked position in the whole set.
MlmEvaluation evaluate_mlm(WorkerContext& ctx, TextNetwork& net, const TokenizedDataset& eval,
                           const TextMlmOptions& options, std::size_t batch);

}  // namespace dcopt::train

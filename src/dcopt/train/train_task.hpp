#pragma once
// DESIGN (not yet used by trainer.cpp): what the data-parallel loop (trainer.hpp's Worker) needs
// from a task, so that one loop drives image classification (`dcopt train`), MLM pre-training
// (`dcopt pretrain`) and, later, GLUE fine-tuning, instead of a copy of the loop per task.
//
// The loop keeps everything that is about optimization and communication: the estimator (made
// from flat().layout() and shard_sizes()), the update rule, the schedule, clipping, the
// divergence/stop agreement, rows, timing, checkpoints of the estimator and the rule. A task
// owns everything that is about the model and the data: the module and its FlatParameters, the
// oracle the estimator asks, the loader, the evaluation, and the task's own checkpoint state.
//
//   ImageTask    make_network + init_parameters, NetworkOracle over the ImageDataset shard,
//                evaluate() = evaluation.hpp's test loss/accuracy, state = BatchNorm buffers,
//                loader, oracle counters (today's Worker fields, moved, same order).
//   TextMlmTask  make_text_network(labels 0) + init_text_parameters, TextMlmOracle over the
//                TokenizedDataset shard, evaluate() = MLM loss and masked-token accuracy on a
//                held-out slice with masks from a fixed stream (eval mode), state = loader,
//                oracle draws() and counters; checkpoint_extra() = the tokenizer's bytes.
//
// Ownership: the task owns its module, buffers, loader and oracle; the loop holds a reference
// and calls it from the worker's own thread only.
#include <cstdint>
#include <string>
#include <vector>

#include "dcopt/core/state_io.hpp"
#include "dcopt/methods/estimators/gradient_oracle.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/network_oracle.hpp"

namespace dcopt::train {

/// The metrics of a row (TrainRow::test_loss, test_acc), the same on every worker.
struct TaskEvaluation {
  double loss = 0;
  double accuracy = 0;  ///< classification accuracy, or masked-token accuracy for MLM
  std::size_t samples = 0;
};

class TrainTask {
 public:
  virtual ~TrainTask() = default;
  /// TrainHeader::model, e.g. Network::describe() or TransformerConfig::describe().
  virtual std::string describe() const = 0;
  virtual FlatParameters& flat() = 0;
  /// This worker's f_i, as the estimator asks it.
  virtual GradientOracle<float>& oracle() = 0;
  /// Every worker's shard size, in rank order (EstimatorSetup's samples_min/max; the loop's
  /// steps per epoch is min over workers of size / batch()).
  virtual std::vector<std::size_t> shard_sizes() const = 0;
  virtual std::size_t batch() const = 0;
  /// Seconds of forward and backward so far (StepSplit::compute_s).
  virtual double compute_seconds() const = 0;
  virtual LossTally take_loss() = 0;
  virtual const LossTally& loss() const = 0;
  virtual std::uint64_t sample_grads() const = 0;
  /// Collective: the row's test metrics.
  virtual TaskEvaluation evaluate(WorkerContext& ctx) = 0;
  /// This worker's task state for a checkpoint (not the parameters: the loop writes those).
  virtual void save(StateWriter& w) const = 0;
  virtual void load(StateReader& r) = 0;
  /// Bytes rank 0 adds to a checkpoint once (the tokenizer's model proto); empty by default.
  virtual std::string checkpoint_extra() const { return {}; }
};

}  // namespace dcopt::train

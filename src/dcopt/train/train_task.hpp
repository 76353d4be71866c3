#pragma once
// TrainTask: what the data-parallel loop (trainer.hpp) needs from a task, so that one loop drives
// image classification (`dcopt train`, image_task.hpp), masked-language-model pre-training
// (`dcopt pretrain`) and GLUE fine-tuning (`dcopt finetune`) instead of a copy of the loop per
// task.
//
// The loop keeps everything about optimization and communication: the estimator (made from
// flat().layout() and shard_sizes()), the update rule, the schedule, clipping, the divergence and
// stop agreement, rows, timing, checkpoints of the parameters, the estimator and the rule. A task
// owns everything about the model and the data: the module and its FlatParameters, the oracle the
// estimator asks, the loader, the evaluation, and the task's own checkpoint state.
//
// Ownership: the task owns its module, buffers, loader and oracle; the loop holds a reference and
// calls it from the worker's own thread only.
#include <cstdint>
#include <string>
#include <vector>

#include "dcopt/core/state_io.hpp"
#include "dcopt/methods/estimators/gradient_oracle.hpp"
#include "dcopt/methods/worker_context.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/network_oracle.hpp"

namespace dcopt::train {

/// The metrics of a row, the same on every worker: TrainRow::test_loss and test_acc, and the
/// task's extra metrics (TrainTask::extra_metrics() names them, in that order).
struct TaskEvaluation {
  double loss = 0;
  double accuracy = 0;  ///< classification accuracy, or masked-token accuracy for MLM
  std::vector<double> extra;
  std::size_t samples = 0;
};

/// Cumulative seconds of the parts of the oracle's compute a task can tell apart (the ScaLA
/// paper's Figure 2); all 0 for a task that times forward and backward only as one.
struct TaskTimes {
  double forward_s = 0;
  double backward_s = 0;
  double perturbation_s = 0;  ///< the adversarial ascent's extra passes
};

/// A file the run leaves in its output directory (rank 0's, at the end): the trained model.
struct TaskArtifact {
  std::string file;  ///< a name inside the output directory
  std::string bytes;
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
  /// Seconds of forward and backward (and perturbation) so far (StepSplit::compute_s).
  virtual double compute_seconds() const = 0;
  virtual TaskTimes times() const { return {}; }
  /// The loss tally since the last call, and resets it.
  virtual LossTally take_loss() = 0;
  virtual const LossTally& loss() const = 0;
  virtual std::uint64_t sample_grads() const = 0;
  /// Names of TaskEvaluation::extra (metrics.csv columns after the fixed ones).
  virtual std::vector<std::string> extra_metrics() const { return {}; }
  /// Collective: the row's test metrics.
  virtual TaskEvaluation evaluate(WorkerContext& ctx) = 0;
  /// Called before step `step` (1-based) computes anything; `epoch` = (step - 1) / steps per
  /// epoch, the epoch the step belongs to (0-based). A task that changes its loss on a schedule
  /// (ScaLA's delayed perturbation) does it here: a function of the step alone, so a resumed run
  /// does the same.
  virtual void begin_step(std::uint64_t /*step*/, std::uint64_t /*epoch*/) {}
  /// This worker's task state for a checkpoint (not the parameters: the loop writes those).
  virtual void save(StateWriter& w) const = 0;
  /// `what` names the checkpoint in errors.
  virtual void load(StateReader& r, const std::string& what) = 0;
  /// Rank 0, after the last step: files for the output directory (none by default).
  virtual std::vector<TaskArtifact> artifacts() const { return {}; }
};

}  // namespace dcopt::train

#pragma once
// The data-parallel trainer: one worker's program (SPMD), the same on threads and under MPI.
// Every worker builds the same task (train_task.hpp: network, shard, oracle, evaluation) from the
// seed, and each step
//
//   before-step estimators (DIANA, EF, allreduce, PowerSGD, ...):
//       g = estimator.update(x^{k-1});  x^k = update_rule(x^{k-1}, clip(g), lr(k-1))
//   after-step estimators (MARINA family, EF21):
//       x^k = update_rule(x^{k-1}, clip(g^{k-1}), lr(k-1));  g^k = estimator.update(x^k)
//
// (methods/estimators/gradient_estimator.hpp's round protocol), so a method's communication is
// written once, in methods/, and any update rule of optim/ moves the weights. Every worker
// applies the same update to the same estimate: the replicas stay identical without any
// parameter broadcast.
//
// Rows (metrics.csv) are logged at step 0, every eval_every steps (default: every epoch) and at
// the last step: the task's test loss and accuracy (and its extra metrics), the mean minibatch
// loss of the steps
// since the previous row, ||g||^2 of the estimate, cumulative bits per worker (mean over
// workers) from the real messages, per-sample gradients per worker, and rank 0's wall time
// without evaluations.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/comm/communicator.hpp"
#include "dcopt/core/param_layout.hpp"
#include "dcopt/experiment/checkpointing.hpp"
#include "dcopt/train/train_config.hpp"
#include "dcopt/train/train_data.hpp"
#include "dcopt/train/train_task.hpp"

namespace dcopt::train {

struct TrainRow {
  double epoch = 0;  ///< steps / steps per epoch
  std::uint64_t step = 0;
  double train_loss = 0;  ///< NaN at step 0
  double test_loss = 0;
  double test_acc = 0;
  double grad_norm_sq = 0;  ///< of the estimate the update rule used; NaN before the first
  double bits_up = 0;
  double bits_down = 0;
  double sample_grads = 0;
  double wall_s = 0;
  /// The task's extra metrics (TrainHeader::extra_metrics names them), e.g. a GLUE task's F1.
  std::vector<double> extra;
};

/// Where a worker's step time went, cumulative seconds (rank 0's).
struct StepSplit {
  double compute_s = 0;        ///< forward + backward
  double compression_s = 0;    ///< the estimator's own work (encode, decode, state updates)
  double communication_s = 0;  ///< inside collectives, waiting for peers included
  double update_s = 0;         ///< clipping and the update rule
  /// The parts of compute_s a task tells apart (TaskTimes; 0 for a task that does not).
  double forward_s = 0;
  double backward_s = 0;
  double perturbation_s = 0;
};

struct TrainHeader {
  std::string model;  ///< Network::describe()
  ParamLayout layout;
  std::string method;
  std::string optimizer;  ///< UpdateRule::spec()
  std::uint64_t total_steps = 0;
  std::uint64_t steps_per_epoch = 0;
  std::vector<std::string> extra_metrics;  ///< names of TrainRow::extra
};

/// Rank 0's view of the run as it goes (outputs, progress).
class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  virtual void on_start(const TrainHeader&) {}
  /// After every step: loss of this worker's last minibatch, cumulative uplink bits (this worker).
  virtual void on_step(std::uint64_t /*step*/, double /*epoch*/, double /*loss*/,
                       double /*bits_up*/) {}
  virtual void on_row(const TrainRow&) {}
};

/// One tensor's share of a worker's uplink message (summary.json "traffic_per_tensor"): for a
/// per-tensor policy, the bits of that tensor's part of a message of the last local gradient
/// (encoded again at the end, exact sizes); for PowerSGD, the fp32 values of its P and Q
/// factors, or the dense values, per step. Empty for codecs over the whole flat vector.
struct TensorTraffic {
  std::string name;
  std::size_t numel = 0;
  std::string codec;
  std::uint64_t bits = 0;
};

struct TrainResult {
  TrainHeader header;
  /// "finished", "diverged" (a non-finite loss or estimate), "halted" (--halt-after), or
  /// "interrupted" (SIGINT/SIGTERM with ck.on_stop: a checkpoint of the step was written)
  std::string status;
  int stop_signal = 0;  ///< the signal of an interrupted run
  std::uint64_t steps = 0;
  std::vector<TrainRow> rows;
  StepSplit split;
  double wall_s = 0;
  /// Wall seconds of each step this invocation ran (rank 0's; not kept across a resume).
  std::vector<double> step_seconds;
  std::vector<TensorTraffic> traffic_per_tensor;
  /// Rank 0's: the task's files for the output directory (TrainTask::artifacts), unless halted.
  std::vector<TaskArtifact> artifacts;
};

/// Collective: trains the task `make_task` builds (on this worker's thread, after torch's thread
/// count is set) on `comm` (size() == cfg.workers), with cfg's loop, optimizer, communication,
/// seed and topology. `observer` may be null (every rank but 0). Checkpoints per `ck`
/// (experiment/checkpointing.hpp: every, halt_after, resume, dir).
using TaskFactory = std::function<std::unique_ptr<TrainTask>()>;
TrainResult train_worker(Communicator& comm, const TrainConfig& cfg, const TaskFactory& make_task,
                         TrainObserver* observer, const CheckpointOptions& ck);

/// `dcopt train`: the same with the image task of cfg and `data` (image_task.hpp).
TrainResult train_worker(Communicator& comm, const TrainConfig& cfg, const TrainData& data,
                         TrainObserver* observer, const CheckpointOptions& ck);

}  // namespace dcopt::train

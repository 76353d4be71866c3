#pragma once
// The outputs of `dcopt train`, written by rank 0 into an AtomicOutputDir (nothing appears
// until the run ends; a failed run leaves nothing): metrics.csv with the columns
//   epoch,step,train_loss,test_loss,test_acc,grad_norm_sq,bits_up,bits_down,sample_grads,wall_s
// then the task's extra metrics (TrainHeader::extra_metrics, e.g. f1 for MRPC) (bits cumulative per
// worker, mean over workers; NaN fields empty; numbers in the shortest form that reads back to the
// same double), summary.json (the configuration as run, the model and its layout, the final row,
// the step split), and PNG plots of train/test loss and test accuracy against steps and against
// bits per worker (gnuplot; warnings if it is missing). The progress line on stderr: epoch, step,
// loss, accuracy, samples/s and ETA.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/core/timer.hpp"
#include "dcopt/experiment/atomic_output.hpp"
#include "dcopt/train/trainer.hpp"

namespace dcopt::train {

/// The metrics.csv header line (no newline), the task's extra metric columns last.
std::string train_metrics_header(const std::vector<std::string>& extra = {});
/// One metrics.csv line (no newline).
std::string train_metrics_line(const TrainRow& r);

class TrainOutputs final : public TrainObserver {
 public:
  TrainOutputs(const TrainConfig& cfg, std::filesystem::path out, bool progress);
  ~TrainOutputs() override;
  void on_start(const TrainHeader& h) override;
  void on_step(std::uint64_t step, double epoch, double loss, double bits_up) override;
  void on_row(const TrainRow& row) override;
  /// Writes summary.json and the plots and moves the directory into place; returns warnings.
  std::vector<std::string> finish(const TrainResult& result, const std::string& backend);
  const std::filesystem::path& destination() const { return out_.destination(); }

 private:
  void draw(bool final);

  const TrainConfig& cfg_;
  AtomicOutputDir out_;
  bool progress_;
  std::FILE* csv_ = nullptr;
  TrainHeader header_;
  std::vector<TrainRow> rows_;
  Stopwatch watch_;
  double last_draw_ = -1;
  bool drawn_ = false;
  std::uint64_t step_ = 0, first_step_ = 0;
  double epoch_ = 0, loss_ = 0, acc_ = -1;
};

}  // namespace dcopt::train

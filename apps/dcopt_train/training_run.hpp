#pragma once
// What every training command of dcopt-train (train, pretrain, finetune) does around the loop:
// the shared command-line options (--out, --backend, --quiet, checkpoints, --collective-timeout),
// the output lock, the threads and MPI backends, rank 0's outputs, halts, interrupts and exit
// codes. A command parses its own file, loads its data once per process, and gives a task
// factory per rank.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/train/train_config.hpp"
#include "dcopt/train/trainer.hpp"

namespace dcopt::cli {

struct RunOptions {
  std::string config;
  std::string out;
  std::vector<std::string> overrides;
  std::string backend = "threads";
  bool quiet = false;
  std::uint64_t checkpoint_every = 0;
  std::string checkpoint_dir;
  std::string resume;
  std::uint64_t halt_after = 0;
  double collective_timeout = 300;
};

/// The positional config file and the options above, on `cmd`. `what` names the file's kind in
/// the help ("Training file", "Pre-training file").
void add_run_options(CLI::App* cmd, RunOptions& o, const std::string& what);

/// Builds rank `rank`'s task (called on the worker's own thread).
using RankTaskFactory = std::function<std::unique_ptr<train::TrainTask>(int rank)>;

/// Runs the training of `cfg` with `o`'s backend and outputs. `load` runs once per process
/// before any worker starts (under MPI after MPI_Init), and returns the factory. Returns the
/// exit code (0, or the stop signal's after an interrupt).
int run_training(const train::TrainConfig& cfg, const RunOptions& o,
                 const std::function<RankTaskFactory()>& load);

}  // namespace dcopt::cli

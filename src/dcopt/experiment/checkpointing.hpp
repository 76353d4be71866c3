#pragma once
// Checkpointing a run across its workers (docs/CONFIG.md, "Checkpoints"): when checkpoints are
// due, and the collectives that move them. Every worker's state goes to rank 0, which writes the
// file; on resume rank 0 reads the file and broadcasts its bytes, and every rank checks them and
// takes its own worker state. Every check is made on every rank from the same bytes, so an error
// is raised identically everywhere (no rank is left waiting in a collective).
#include <cstdint>
#include <filesystem>
#include <string>

#include "dcopt/experiment/checkpoint.hpp"
#include "dcopt/experiment/experiment_config.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

struct CheckpointOptions {
  /// Where checkpoints are written (empty: never).
  std::filesystem::path dir;
  /// Write after every `every`-th round of the running method (0: only at halt_after).
  std::uint64_t every = 0;
  /// > 0: write a checkpoint at this round of the running method and end the run there (the
  /// first method that reaches it in this invocation; a method that stops before it does not).
  std::uint64_t halt_after = 0;
  /// A checkpoint directory to continue from (empty: a fresh run).
  std::filesystem::path resume;

  /// Stop requests (core/stop_request.hpp) are polled every round; one ends the run after the
  /// current round with a checkpoint of it in `dir` (which must then be set).
  bool on_stop = false;

  bool writes() const { return !dir.empty() && (every > 0 || halt_after > 0); }
  /// rank 0 keeps what a checkpoint needs (rows, finished results) during the run.
  bool may_write() const { return !dir.empty() && (writes() || on_stop); }
  /// A checkpoint follows round k (k >= 1) of a method that has not stopped.
  bool due(std::uint64_t k) const {
    return writes() && ((every > 0 && k % every == 0) || k == halt_after);
  }
  bool halts(std::uint64_t k) const { return halt_after > 0 && k == halt_after; }
};

/// The checkpoint options of a command line (--checkpoint-every, --halt-after,
/// --checkpoint-dir, --resume) for a run writing to `out`. InvalidArgument if a directory is
/// given without anything to write, or if the checkpoint directory lies inside `out` or
/// contains it (the output directory is replaced as a whole when the run ends). Default
/// directory: default_checkpoint_dir(out).
CheckpointOptions checkpoint_options(std::uint64_t every, std::uint64_t halt_after,
                                     const std::string& dir, const std::string& resume,
                                     const std::filesystem::path& out);

/// Collective. Rank 0 reads <dir>/checkpoint.bin and broadcasts it; every rank decodes it and
/// checks it against `config`: the worker count, the experiment hash and the number of methods.
/// InvalidArgument or DataError (exit code 2) naming the file, what is wrong and what is valid.
Checkpoint read_checkpoint_collective(WorkerContext& ctx, const std::filesystem::path& dir,
                                      const ExperimentConfig& config);

/// Collective. Every rank contributes its own worker state `mine`; rank 0 fills
/// `shared.worker_states` (its other fields are read on rank 0 only) and writes the file. An I/O
/// failure on rank 0 is raised on every rank (std::runtime_error).
void write_checkpoint_collective(WorkerContext& ctx, const std::filesystem::path& dir,
                                 Checkpoint& shared, const std::string& mine);

/// Collective: if any rank's `error` is non-empty, every rank throws DataError with the lowest
/// such rank's message.
void agree_or_throw(WorkerContext& ctx, const std::string& error);

}  // namespace dcopt

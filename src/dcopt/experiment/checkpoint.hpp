#pragma once
// A checkpoint of `dcopt run`: everything needed to continue a run bit for bit after round k of
// its running method, independent of the backend (threads and MPI give identical numbers, so a
// checkpoint written by one resumes on the other). Pure data and its byte layout; the files are
// in checkpoint_file.hpp and the collectives that gather and scatter it in run_checkpoints.hpp.
//
// File layout (every field a StateWriter field, core/state_io.hpp, except the magic):
//   envelope, stable across format versions so that any version can say what it found:
//     "dcopt-checkpoint" (16 raw bytes), format_version (u64), dcopt_version (text),
//     body (text: the bytes below), fnv1a64 (u64: FNV-1a of every byte before it, so that any
//     truncation or damaged byte is detected)
//   body, format version 1:
//     config_hash, workers, method_count, metric_count, problem, problem constants,
//     the finished methods' results (status, rounds, final row, init cost, wall times,
//     transport bytes, parameters), every metrics row emitted so far, the running method
//     (index, round k, rank 0's elapsed / evaluation / init seconds, the round-0 primary metric)
//     and one state per worker (WorkerProgress then the Method's own save()).
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "dcopt/experiment/run_result.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/step_cost.hpp"

namespace dcopt {

inline constexpr std::uint64_t kCheckpointFormatVersion = 1;

/// The running method's values shared by every worker (rank 0's clocks).
struct RunningMethodState {
  std::size_t index = 0;       ///< into the experiment's methods
  std::uint64_t round = 0;     ///< the last completed round k (>= 1)
  double elapsed_s = 0;        ///< rank 0's seconds in init and rounds 1..k (evaluations excluded)
  double eval_s = 0;           ///< rank 0's seconds in metric evaluations so far
  double init_elapsed_s = 0;   ///< rank 0's seconds in init()
  double initial_primary = 0;  ///< the primary metric at round 0 (the divergence rule's base)
};

/// One worker's runner-side counters (they differ between workers: partial participation).
struct WorkerProgress {
  StepCost cost;       ///< rounds 1..k
  StepCost init_cost;  ///< init()
  std::uint64_t transport_bytes_sent = 0;
};

struct Checkpoint {
  std::string config_hash;  ///< experiment_hash() of the experiment that wrote it
  std::uint64_t workers = 0;
  std::uint64_t method_count = 0;
  std::uint64_t metric_count = 0;
  std::string problem;  ///< ProblemSource::describe()
  std::map<std::string, double> problem_constants;
  /// Methods 0..running.index-1, as run (label, name and codec are not stored: they follow from
  /// the configuration, which the hash pins).
  std::vector<MethodResult> finished;
  std::vector<MetricRow> rows;  ///< every row emitted so far, in order
  RunningMethodState running;
  std::vector<std::string> worker_states;  ///< indexed by rank: encode_worker_state() bytes
};

/// The whole file's bytes (envelope included).
std::vector<std::uint8_t> encode_checkpoint(const Checkpoint& c);

/// Parses and checks the file's bytes; `file` names it in errors. DataError, saying what is
/// wrong and what would be valid: not a checkpoint, another format version, truncated or
/// corrupted (the body's hash), or an inconsistent body (sizes, indices, counts).
Checkpoint decode_checkpoint(std::span<const std::uint8_t> bytes, const std::string& file);

/// One worker's state: its WorkerProgress, then `method`'s save().
std::string encode_worker_state(const WorkerProgress& p, const Method& method);
/// Restores `method` (built from the same settings) and returns the progress; DataError (naming
/// `what`) if the bytes are not a state of this method.
WorkerProgress decode_worker_state(const std::string& bytes, Method& method,
                                   const std::string& what);

}  // namespace dcopt

#pragma once
// The identity of an experiment for checkpoints: a hash of the configuration as loaded (after
// --set overrides), so that a run is resumed only by the experiment that wrote the checkpoint.
//
// Hashed: the canonical JSON of the whole TOML tree (keys sorted, values as parsed) without the
// keys that do not change a number: `name` (it names the default output directory) and the
// [output] table (plots). Command-line options (--out, --quiet, --backend, --checkpoint-*) are not
// part of the configuration, so they never change the hash: threads and MPI give the same numbers.
// Conservative: spelling a value differently as a type (gamma = 1 vs 1.0) changes the hash.
#include <string>

#include "dcopt/experiment/experiment_config.hpp"

namespace dcopt {

/// 16 hex digits (FNV-1a 64 of the canonical text).
std::string experiment_hash(const ExperimentConfig& config);

/// The canonical text that is hashed (for tests and diagnostics).
std::string experiment_hash_input(const ExperimentConfig& config);

}  // namespace dcopt

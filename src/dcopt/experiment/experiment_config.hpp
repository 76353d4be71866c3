#pragma once
// An experiment as written in a TOML file (docs/CONFIG.md): the problem, the number of workers,
// the methods to compare, the stopping rule and the outputs. Parsing validates every key it owns
// (unknown keys, wrong types and out-of-range values throw InvalidArgument naming the file, the
// table, the key and what is valid); the [problem] keys other than `kind` and the method settings
// are kept as Settings tables for the problem and method factories, which reject what they do
// not know.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/topology.hpp"
#include "dcopt/problems/problem_family.hpp"

namespace dcopt {

/// Minimization (f = mean f_i) or a variational inequality (F = mean F_m).

struct ProblemConfig {
  /// "logistic", "nonconvex_binary", "quadratic" or "bilinear".
  std::string kind;
  ProblemFamily family = ProblemFamily::minimization;
  /// Every [problem] key except `kind`; read by problem_source.
  Settings settings;
  /// Relative data paths are resolved against this directory (set by the caller; the `dcopt`
  /// program uses $DCOPT_DATA_DIR or the repository's ../shared/data).
  std::filesystem::path data_root;
};

struct StopConfig {
  /// Rounds per method (the final round always gets a metrics row).
  std::uint64_t max_rounds = 1000;
  /// Cumulative uplink bits per worker (mean over workers); unset: no limit.
  std::optional<double> max_bits_per_worker;
  /// Converged when the primary metric (grad_norm_sq, or dist_sq for VI) is <= target.
  std::optional<double> target;
  /// Wall-clock seconds per method (init and rounds, metric evaluations excluded).
  std::optional<double> wall_budget_s;
  /// Metrics (and the target and wall-clock rules) are evaluated every eval_every rounds, at
  /// the final round and at the round that spends max_bits_per_worker (checked every round).
  std::uint64_t eval_every = 1;
};

struct MethodConfig {
  std::size_t index = 0;  ///< position in the [[method]] array, 0-based
  std::string name;       ///< registry name
  std::string label;      ///< unique among the methods; the `method` column of metrics.csv
  /// The method's own keys (codec, gamma, p, ...), context naming the index and label.
  Settings settings;
};

struct OutputConfig {
  bool plots = true;
};

struct ExperimentConfig {
  std::string name;
  std::uint64_t seed = 0;
  int workers = 0;
  /// How the methods' server role is realized on the ranks (`topology`, docs/CLUSTER.md): the
  /// same numbers either way, different traffic per rank.
  Topology topology = Topology::allgather;
  ProblemConfig problem;
  StopConfig stop;
  std::vector<MethodConfig> methods;
  OutputConfig output;
  /// The file it was read from (for messages), and the configuration after overrides as JSON
  /// (echoed in summary.json).
  std::string source;
  std::string echo_json;
};

/// Parses TOML text. `overrides` are "dotted.path=value" strings applied before validation: path
/// components name table keys, an integer component indexes an array of tables (`method.1.gamma`
/// is the second [[method]]'s gamma; indices are 0-based), missing tables are created, and the
/// value is parsed as a TOML value or, if it is not one (a bare word such as topk:k=5), taken
/// as a string. Throws InvalidArgument on any error.
ExperimentConfig parse_experiment_config(const std::string& text, const std::string& source,
                                         const std::vector<std::string>& overrides = {});

/// Reads and parses a file (InvalidArgument if it cannot be read).
ExperimentConfig load_experiment_config(const std::filesystem::path& path,
                                        const std::vector<std::string>& overrides = {});

}  // namespace dcopt

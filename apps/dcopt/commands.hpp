#pragma once
// The subcommands of the `dcopt` program. Each registers itself on the CLI11 app; its action
// runs from main() after parsing, so errors are mapped to exit codes in one place.
#include <CLI/CLI.hpp>
#include <functional>

namespace dcopt::cli {

using Action = std::function<int()>;

/// `dcopt compressors [--json]`
void add_compressors_command(CLI::App& app, Action& action);
/// `dcopt methods [--json]`
void add_methods_command(CLI::App& app, Action& action);
/// `dcopt compressor-stats SPEC --dim D [--trials T] [--seed S] [--json]`
void add_compressor_stats_command(CLI::App& app, Action& action);
/// `dcopt run CONFIG [--out DIR] [--set key=value]... [--backend threads|mpi] [--quiet]`
void add_run_command(CLI::App& app, Action& action);
/// `dcopt optimizers [--keys]`
void add_optimizers_command(CLI::App& app, Action& action);
/// `dcopt train ...`: argv[1] is "train".
bool is_train_command(int argc, char** argv);
/// Replaces this process with dcopt-train (next to this program) and the same arguments;
/// returns an exit code only if that is impossible.
int exec_train(int argc, char** argv);

}  // namespace dcopt::cli

#pragma once
// The subcommands of the `dcopt` program. Each registers itself on the CLI11 app; its action
// runs from main() after parsing, so errors are mapped to exit codes in one place.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

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
/// `dcopt train ...` or `dcopt round-time ...`: argv[1] is "train" or "round-time".
bool is_train_command(int argc, char** argv);
/// Replaces this process with dcopt-train (next to this program) and the same arguments;
/// returns an exit code only if that is impossible.
int exec_train(int argc, char** argv);

/// `dcopt pretrain CONFIG ...`, `dcopt finetune CONFIG ...`, `dcopt sharpness RUN_DIR ...`:
/// argv[1] is one of them.
bool is_text_command(int argc, char** argv);
/// Reads the text, tokenizes it into a temporary token file and replaces this process with
/// `dcopt-train <argv[1..]> --tokens FILE --tokens-temporary`; returns an exit code only if that
/// fails (2 for a bad config, data or tokenizer, with "dcopt: error: ..." on stderr).
int run_text_command(int argc, char** argv);

/// dcopt-train next to this program (argv0: this program's argv[0], used if /proc is missing).
std::filesystem::path dcopt_train_program(const char* argv0);
/// Whether dcopt-train exists; if not, says on stderr that `dcopt <command>` needs it.
bool have_dcopt_train(const char* argv0, const std::string& command);
/// Replaces this process with dcopt-train and `args` (its argv[1..]). Returns an exit code only
/// if that is impossible: 2 if dcopt-train is missing (the message names args[0] as the dcopt
/// command that needs it), 1 if exec fails.
int exec_dcopt_train(const char* argv0, const std::vector<std::string>& args);

/// Where relative data paths resolve: $DCOPT_DATA_DIR, else the directory compiled in.
std::filesystem::path data_root();

}  // namespace dcopt::cli

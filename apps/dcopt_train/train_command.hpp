#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace dcopt::cli {

using TrainAction = std::function<int()>;

/// `train CONFIG [--out DIR] [--set key=value]... [--backend threads|mpi] [--quiet]
///  [--checkpoint-every N] [--checkpoint-dir D] [--halt-after K] [--resume D]`
void add_train_command(CLI::App& app, TrainAction& action);

}  // namespace dcopt::cli

#pragma once
#include <CLI/CLI.hpp>
#include <filesystem>

#include "train_command.hpp"

namespace dcopt::cli {

/// `pretrain CONFIG --tokens FILE [--tokens-temporary] [run options]`: MLM pre-training.
/// `finetune CONFIG --tokens FILE [--tokens-temporary] [run options]`: GLUE fine-tuning.
/// `sharpness RUN_DIR --tokens FILE [--split train|dev] [--batch N] ...`: the top Hessian
/// eigenvalue of a fine-tuned model's loss on a fixed batch.
/// The token file is written by the `dcopt` program (text_dispatch.cpp), which runs these.
void add_text_commands(CLI::App& app, TrainAction& action);

/// Where relative data paths of pretrain/finetune files resolve: $DCOPT_DATA_DIR, else the
/// compiled default (the shared data directory), as in the dcopt program that tokenizes.
std::filesystem::path text_data_root();

}  // namespace dcopt::cli

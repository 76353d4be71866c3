#include "train_command.hpp"

#include <memory>

#include "dcopt/train/image_task.hpp"
#include "dcopt/train/train_data.hpp"
#include "training_run.hpp"

namespace dcopt::cli {

void add_train_command(CLI::App& app, TrainAction& action) {
  auto* cmd = app.add_subcommand(
      "train", "Train a network data-parallel: metrics.csv, summary.json, plots (docs/TRAIN.md)");
  auto o = std::make_shared<RunOptions>();
  add_run_options(cmd, *o, "Training file (TOML, see docs/TRAIN.md)");
  cmd->callback([&action, o] {
    action = [o] {
      const train::TrainConfig cfg = train::load_train_config(o->config, o->overrides);
      // The data is loaded once per process and shared read-only by its workers.
      auto data = std::make_shared<train::TrainData>();
      return run_training(cfg, *o, [&cfg, data]() -> RankTaskFactory {
        *data = train::load_train_data(cfg);
        return
            [&cfg, data](int rank) { return std::make_unique<train::ImageTask>(cfg, *data, rank); };
      });
    };
  });
}

}  // namespace dcopt::cli

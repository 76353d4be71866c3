#include <cstdio>

#include "commands.hpp"
#include "dcopt/optim/optimizer_config.hpp"

namespace dcopt::cli {

void add_optimizers_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "optimizers", "List the update rules of dcopt train's [optimizer] table and their keys");
  auto keys = std::make_shared<bool>(false);
  cmd->add_flag("--keys", *keys, "Only the key table as Markdown (embedded in docs/TRAIN.md)");
  cmd->callback([&action, keys] {
    action = [keys] {
      if (!*keys) {
        std::printf("update rules:");
        for (const auto& n : update_rule_names()) std::printf(" %s", n.c_str());
        std::printf("\n\n");
      }
      std::printf("%s", optimizer_keys_markdown().c_str());
      return 0;
    };
  });
}

}  // namespace dcopt::cli

// dcopt-train: `dcopt train | pretrain | finetune | sharpness | round-time` (the dcopt program
// runs this one for them; for the text commands after tokenizing, text_dispatch.cpp).
// Exit codes: 0 success, 2 invalid usage or input (bad config, value, dataset or checkpoint),
// 1 any other failure.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "dcopt/core/error.hpp"
#include "round_time_command.hpp"
#include "text_commands.hpp"
#include "train_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "dcopt-train: data-parallel network training with compressed communication (run as dcopt "
      "train / pretrain / finetune / sharpness / round-time)"};
  app.set_version_flag("--version", std::string("dcopt ") + DCOPT_VERSION);
  app.require_subcommand(1, 1);
  dcopt::cli::TrainAction action;
  dcopt::cli::add_train_command(app, action);
  dcopt::cli::add_text_commands(app, action);
  dcopt::cli::add_round_time_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  try {
    return action();
  } catch (const dcopt::InvalidArgument& e) {
    std::fprintf(stderr, "dcopt: error: %s\n", e.what());
    return 2;
  } catch (const dcopt::DataError& e) {
    std::fprintf(stderr, "dcopt: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dcopt: error: %s\n", e.what());
    return 1;
  }
}

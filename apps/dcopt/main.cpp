// dcopt: distributed optimization with compressed communication.
// Exit codes: 0 success, 2 invalid usage or input (bad spec, value, config or data file),
// 1 any other failure.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "dcopt/core/error.hpp"

int main(int argc, char** argv) {
  if (dcopt::cli::is_train_command(argc, argv)) return dcopt::cli::exec_train(argc, argv);
  if (dcopt::cli::is_text_command(argc, argv)) return dcopt::cli::run_text_command(argc, argv);
  CLI::App app{"dcopt: distributed optimization with compressed communication"};
  app.set_version_flag("--version", std::string("dcopt ") + DCOPT_VERSION);
  app.require_subcommand(0, 1);
  dcopt::cli::Action action;
  dcopt::cli::add_compressors_command(app, action);
  dcopt::cli::add_compressor_stats_command(app, action);
  dcopt::cli::add_methods_command(app, action);
  dcopt::cli::add_run_command(app, action);
  dcopt::cli::add_optimizers_command(app, action);
  // Handled before parsing (exec_train, run_text_command); registered so that --help lists
  // them.
  app.add_subcommand("train",
                     "Train a network data-parallel with compressed communication "
                     "(docs/TRAIN.md; runs dcopt-train)");
  app.add_subcommand("pretrain",
                     "Pre-train a transformer encoder (masked language model) on a text corpus: "
                     "dcopt pretrain CONFIG (tokenizes here, trains in dcopt-train)");
  app.add_subcommand("finetune",
                     "Fine-tune a pre-trained encoder on a GLUE task: dcopt finetune CONFIG "
                     "(pretrained = the pretrain run)");
  app.add_subcommand("sharpness",
                     "Measure the loss sharpness of a fine-tuned run: dcopt sharpness RUN_DIR "
                     "--task NAME [--data DIR] [--split train|dev] [--limit N]");
  app.add_subcommand("round-time",
                     "Wall time of one communication round of a pretrain file's "
                     "[communication] set-up, the exchange alone: dcopt round-time CONFIG "
                     "(docs/TRAIN.md; runs dcopt-train)");
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
  if (!action) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
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

#include "text_commands.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "dcopt/core/atomic_file.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/data/token_file.hpp"
#include "dcopt/train/finetune_task.hpp"
#include "dcopt/train/pretrain_task.hpp"
#include "dcopt/train/text_model.hpp"
#include "dcopt/train/text_sharpness.hpp"
#include "dcopt/train/torch_threads.hpp"
#include "training_run.hpp"

namespace dcopt::cli {

std::filesystem::path text_data_root() {
  if (const char* env = std::getenv("DCOPT_DATA_DIR")) return env;
  return DCOPT_DATA_DIR;
}

namespace {

struct TokenOptions {
  std::string file;
  bool temporary = false;
};

void add_token_options(CLI::App* cmd, TokenOptions& t) {
  cmd->add_option("--tokens", t.file,
                  "The token file `dcopt` wrote for this run (run this command as `dcopt " +
                      cmd->get_name() + " ...`, which tokenizes and passes it)")
      ->required();
  cmd->add_flag("--tokens-temporary", t.temporary,
                "Delete the token file after reading it (dcopt passes a temporary one)");
}

TokenBundle read_tokens(const TokenOptions& t) {
  TokenBundle b = read_token_file(t.file);
  if (t.temporary) {
    std::error_code ec;
    std::filesystem::remove(t.file, ec);
  }
  return b;
}

void add_pretrain(CLI::App& app, TrainAction& action) {
  auto* cmd = app.add_subcommand(
      "pretrain",
      "Masked-language-model pre-training of a transformer, data-parallel (docs/TEXT.md)");
  auto o = std::make_shared<RunOptions>();
  auto t = std::make_shared<TokenOptions>();
  add_run_options(cmd, *o, "Pre-training file (TOML, see docs/TEXT.md)");
  add_token_options(cmd, *t);
  cmd->callback([&action, o, t] {
    action = [o, t] {
      const auto cfg = std::make_shared<train::TextTrainConfig>(train::load_text_train_config(
          o->config, TextCommand::pretrain, o->overrides, text_data_root()));
      auto tokens = std::make_shared<TokenBundle>();
      return run_training(cfg->base, *o, [cfg, tokens, t]() -> RankTaskFactory {
        *tokens = read_tokens(*t);
        return [cfg, tokens](int rank) {
          return std::make_unique<train::PretrainTask>(*cfg, *tokens, rank);
        };
      });
    };
  });
}

void add_finetune(CLI::App& app, TrainAction& action) {
  auto* cmd = app.add_subcommand(
      "finetune",
      "Fine-tune a pre-trained transformer on a GLUE task, data-parallel, with ScaLA's "
      "adversarial perturbation or a baseline (docs/TEXT.md)");
  auto o = std::make_shared<RunOptions>();
  auto t = std::make_shared<TokenOptions>();
  add_run_options(cmd, *o, "Fine-tuning file (TOML, see docs/TEXT.md)");
  add_token_options(cmd, *t);
  cmd->callback([&action, o, t] {
    action = [o, t] {
      const auto cfg = std::make_shared<train::TextTrainConfig>(train::load_text_train_config(
          o->config, TextCommand::finetune, o->overrides, text_data_root()));
      for (const std::string& w : cfg->warnings) {
        std::fprintf(stderr, "dcopt: warning: %s\n", w.c_str());
      }
      auto tokens = std::make_shared<TokenBundle>();
      auto pretrained = std::make_shared<train::TextModelFile>();
      const std::string file = (cfg->data.pretrained / "model.bin").string();
      return run_training(cfg->base, *o, [cfg, tokens, pretrained, t, file]() -> RankTaskFactory {
        *tokens = read_tokens(*t);
        *pretrained = train::read_text_model(file);
        return [cfg, tokens, pretrained, file](int rank) {
          return std::make_unique<train::FinetuneTask>(*cfg, *tokens, *pretrained, file, rank);
        };
      });
    };
  });
}

struct SharpnessOptions {
  std::string run;
  std::string task, data, limit;  // read by dcopt (tokenization); accepted here
  std::string split = "dev";
  std::size_t batch = 128;
  std::size_t max_len = 0;  // 0: the model's max_positions
  int iterations = 100;
  double tolerance = 1e-4;
  std::uint64_t seed = 0;
  int threads = 1;
  std::string out;
};

int run_sharpness(const SharpnessOptions& s, const TokenOptions& t) {
  const TokenBundle tokens = read_tokens(t);
  const std::string file = (std::filesystem::path(s.run) / "model.bin").string();
  const train::TextModelFile m = train::read_text_model(file);
  if (m.config.labels == 0) {
    throw InvalidArgument(file +
                          ": a pre-trained model without a task head; sharpness measures the task "
                          "loss of a fine-tuned model (a `dcopt finetune` output)");
  }
  const int labels = tokens.regression ? 1 : static_cast<int>(tokens.classes.size());
  if (labels != m.config.labels) {
    throw DataError(file + ": a model with " + std::to_string(m.config.labels) +
                    " outputs; task '" + tokens.task + "' has " + std::to_string(labels));
  }
  train::configure_torch_threads(s.threads);
  train::TextModel model(m.config, s.seed);
  const std::size_t copied =
      train::load_pretrained_weights(m, file, tokens.tokenizer_fingerprint, model.flat());
  if (copied != model.flat().layout().num_tensors()) {
    throw DataError(file + ": the file lacks tensors of its own architecture");
  }
  const std::size_t max_len =
      s.max_len > 0 ? s.max_len : static_cast<std::size_t>(m.config.max_positions);
  const TokenizedDataset& data = tokens.split(s.split);
  // The first `batch` examples of a seeded permutation: a fixed, representative batch.
  std::vector<std::uint32_t> order(data.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
  Rng rng(s.seed, Purpose::data);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  order.resize(std::min(order.size(), s.batch));
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(s.seed);
  train::PowerIterationOptions po;
  po.max_iterations = s.iterations;
  po.tolerance = s.tolerance;
  const train::PowerIterationResult r =
      train::text_loss_sharpness(model.net(), data, order, max_len, po, gen);
  std::printf(
      "top Hessian eigenvalue of the %s loss on %zu %s examples: %.6g (%s after %zu "
      "iterations, %.1f s)\n",
      tokens.task.c_str(), order.size(), s.split.c_str(), r.eigenvalue,
      r.converged ? "converged" : "NOT converged", r.history.size(), r.seconds);
  for (std::size_t i = 0; i < r.history.size(); ++i) {
    std::printf("  iteration %zu: %.6g\n", i + 1, r.history[i]);
  }
  if (!s.out.empty()) {
    nlohmann::json j;
    j["model"] = file;
    j["architecture"] = m.config.describe();
    j["task"] = tokens.task;
    j["split"] = s.split;
    j["examples"] = order.size();
    j["seed"] = s.seed;
    j["eigenvalue"] = r.eigenvalue;
    j["converged"] = r.converged;
    j["history"] = r.history;
    j["seconds"] = r.seconds;
    const std::string text = j.dump(2) + "\n";
    write_file_atomically(s.out, text, "the sharpness result");
    std::printf("wrote %s\n", s.out.c_str());
  }
  return 0;
}

void add_sharpness(CLI::App& app, TrainAction& action) {
  auto* cmd = app.add_subcommand(
      "sharpness",
      "The largest Hessian eigenvalue of a fine-tuned model's loss on a fixed batch, by power "
      "iteration on Hessian-vector products (docs/TEXT.md)");
  auto s = std::make_shared<SharpnessOptions>();
  auto t = std::make_shared<TokenOptions>();
  cmd->add_option("run", s->run, "A `dcopt finetune` output directory (model.bin)")->required();
  cmd->add_option("--task", s->task, "The GLUE task the model was fine-tuned on")->required();
  cmd->add_option("--data", s->data, "The task's folder (train.tsv, dev.tsv), as for finetune");
  cmd->add_option("--limit", s->limit, "Read only the first N examples of each split");
  cmd->add_option("--split", s->split, "Which examples")
      ->capture_default_str()
      ->check(CLI::IsMember({"train", "dev"}));
  cmd->add_option("--batch", s->batch, "Examples in the fixed batch")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cmd->add_option("--max-len", s->max_len,
                  "Tokens per row, specials included (default: the model's max_positions)")
      ->check(CLI::Range(std::size_t{3}, std::size_t{1} << 16));
  cmd->add_option("--iterations", s->iterations, "Power iterations at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--tolerance", s->tolerance, "Relative change of the estimate that stops")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", s->seed, "Seeds the batch and the start vector")->capture_default_str();
  cmd->add_option("--threads", s->threads, "torch intra-op threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--out", s->out, "Also write the result as JSON to this file");
  add_token_options(cmd, *t);
  cmd->callback([&action, s, t] { action = [s, t] { return run_sharpness(*s, *t); }; });
}

}  // namespace

void add_text_commands(CLI::App& app, TrainAction& action) {
  add_pretrain(app, action);
  add_finetune(app, action);
  add_sharpness(app, action);
}

}  // namespace dcopt::cli

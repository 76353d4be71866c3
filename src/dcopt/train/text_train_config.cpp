#include "dcopt/train/text_train_config.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/config_file.hpp"

namespace dcopt::train {
namespace {

PerturbationOptions read_perturbation(const Settings& s, std::uint64_t& start_epoch) {
  PerturbationOptions o;
  o.mode = parse_perturbation_mode(s.choice("mode", "none", {"none", "pga", "freelb", "gaussian"}));
  start_epoch = static_cast<std::uint64_t>(s.integer("start_epoch", 3, 0, 1'000'000));
  o.lambda = s.number("lambda", o.lambda, 0.0);
  o.radius = s.number("radius", o.radius, 0.0);
  o.step_size = s.number("step_size", o.step_size, 0.0);
  o.steps = static_cast<int>(s.integer("steps", o.steps, 1, 1000));
  o.label = s.choice("label", "probabilities", {"probabilities", "ground_truth"}) == "ground_truth"
                ? AdversarialLabel::ground_truth
                : AdversarialLabel::probabilities;
  const std::string d = s.choice("direction", "plain", {"plain", "sign", "linf"});
  o.direction = d == "sign"   ? AscentDirection::sign
                : d == "linf" ? AscentDirection::linf
                              : AscentDirection::plain;
  o.init_sigma = s.number("init_sigma", o.init_sigma, 0.0);
  o.sigma = s.number("sigma", o.sigma, 0.0);
  o.detach_clean = s.boolean("detach_clean", o.detach_clean);
  o.init_magnitude = s.number("init_magnitude", o.init_magnitude, 0.0);
  o.max_norm = s.number("max_norm", o.max_norm, 0.0);
  s.reject_unused();
  try {
    EmbeddingPerturbation check(o);  // the option ranges the perturbation itself enforces
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(s.context() + ": " + e.what());
  }
  return o;
}

// Top-level `adversarial = true` with the [freelb] table (pretrain only). A [freelb] table
// without adversarial = true is refused: its keys would silently do nothing.
std::optional<FreeLbOptions> read_adversarial(const toml::table& root, const std::string& source) {
  bool on = false;
  if (const toml::node* a = root.get("adversarial")) {
    const auto* b = a->as_boolean();
    if (b == nullptr) {
      throw InvalidArgument(config_where(source, *a) +
                            ": adversarial: expected true or false (true: FreeLB adversarial "
                            "pre-training with the [freelb] table's keys)");
    }
    on = b->get();
  }
  const toml::table* t = config_sub_table(root, "freelb", source, false);
  if (!on) {
    if (t) {
      throw InvalidArgument(config_where(source, *t) +
                            ": [freelb] without adversarial = true at the top level (set it to "
                            "train adversarially, or remove the table)");
    }
    return std::nullopt;
  }
  std::string ctx = t ? config_where(source, *t) : source;
  ctx += " [freelb]";
  const Settings s = t ? config_settings(*t, ctx) : Settings(ctx);
  FreeLbOptions o;
  o.steps = static_cast<int>(s.integer("steps", 2, 1, 1000));
  o.step_size = s.number("step_size", 0.1, 0.0);
  o.init_magnitude = s.number("init_magnitude", 0.1, 0.0);
  o.max_norm = s.number("max_norm", 0.0, 0.0);
  o.beta = s.number("beta", 0.0, 0.0);
  s.reject_unused();
  try {
    check_freelb_options(o, "freelb");
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(ctx + ": " + e.what());
  }
  return o;
}

}  // namespace

TextTrainConfig parse_text_train_config(const std::string& text, const std::string& source,
                                        TextCommand command,
                                        const std::vector<std::string>& overrides,
                                        const std::filesystem::path& data_root) {
  const toml::table root = parse_config(text, source, overrides);
  TextTrainConfig cfg;
  cfg.command = command;
  std::set<std::string> tables = {"data", "tokenizer"};
  std::set<std::string> top = {"pretrained"};
  if (command == TextCommand::finetune) {
    tables.insert("perturbation");
  } else {
    tables.insert("freelb");
    top.insert("adversarial");
  }
  cfg.base = parse_train_tables(root, source, tables, top);
  cfg.data = read_text_data_config(root, source, command, data_root);
  if (command == TextCommand::finetune) {
    const toml::table* t = config_sub_table(root, "perturbation", source, false);
    std::string ctx = t ? config_where(source, *t) : source;
    ctx += " [perturbation]";
    const Settings s = t ? config_settings(*t, ctx) : Settings(ctx);
    cfg.perturbation = read_perturbation(s, cfg.start_epoch);
    if (cfg.perturbation.mode != PerturbationMode::none && cfg.base.loop.steps == 0 &&
        cfg.start_epoch > cfg.base.loop.epochs) {
      cfg.warnings.push_back(ctx + ": start_epoch = " + std::to_string(cfg.start_epoch) +
                             " is after the last of " + std::to_string(cfg.base.loop.epochs) +
                             " epochs: no step is perturbed (t_s counts epochs from 1; 0: from "
                             "the start)");
    }
  } else {
    cfg.perturbation.mode = PerturbationMode::none;
    cfg.adversarial = read_adversarial(root, source);
  }
  return cfg;
}

TextTrainConfig load_text_train_config(const std::filesystem::path& path, TextCommand command,
                                       const std::vector<std::string>& overrides,
                                       const std::filesystem::path& data_root) {
  return parse_text_train_config(read_config_file(path), path.string(), command, overrides,
                                 data_root);
}

}  // namespace dcopt::train

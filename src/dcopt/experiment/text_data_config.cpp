#include "dcopt/experiment/text_data_config.hpp"

#include <array>
#include <utility>

#include "dcopt/core/error.hpp"
#include "dcopt/data/glue_task.hpp"
#include "dcopt/experiment/config_file.hpp"

namespace dcopt {
namespace fs = std::filesystem;
namespace {

// The folder names of the GLUE distribution (as unpacked by its download script), the default
// `dir` of each task under the data root.
std::string default_dir(const std::string& task) {
  static constexpr std::array<std::pair<const char*, const char*>, 9> kFolders{{{"cola", "CoLA"},
                                                                                {"sst2", "SST-2"},
                                                                                {"mrpc", "MRPC"},
                                                                                {"stsb", "STS-B"},
                                                                                {"qqp", "QQP"},
                                                                                {"mnli", "MNLI"},
                                                                                {"qnli", "QNLI"},
                                                                                {"rte", "RTE"},
                                                                                {"wnli", "WNLI"}}};
  for (const auto& [name, folder] : kFolders) {
    if (task == name) {
      std::string dir = "glue/";
      dir += folder;
      return dir;
    }
  }
  return "";
}

fs::path resolve(const std::string& written, const fs::path& root) {
  const fs::path p = written;
  return p.is_relative() ? root / p : p;
}

// A key that must not be set for this command: say which command it belongs to.
void reject_key(const Settings& s, const char* key, TextCommand command, const char* why) {
  if (s.has(key)) {
    throw InvalidArgument(s.context() + ": " + key + " does not apply to " +
                          std::string(to_string(command)) + " (" + why + ")");
  }
}

std::string path_value(const Settings& s, const char* key, const char* what) {
  const std::string v = s.string(key, "");
  if (v.empty()) {
    throw InvalidArgument(s.context() + ": " + key + " = \"\": expected " + what);
  }
  return v;
}

void read_tokenizer(const toml::table& t, const std::string& source, TokenizerTrainOptions& o) {
  Settings s = config_settings(t, config_where(source, t) + " [tokenizer]");
  o.vocab_size = static_cast<std::size_t>(s.integer(
      "vocab_size", static_cast<std::int64_t>(o.vocab_size), kNumSpecialIds + 1, 1'000'000));
  o.model = s.choice("model", "unigram", {"unigram", "bpe"}) == "bpe" ? TokenizerModel::bpe
                                                                      : TokenizerModel::unigram;
  o.lowercase = s.boolean("lowercase", o.lowercase);
  o.character_coverage = s.number("character_coverage", o.character_coverage, 0.0, 1.0);
  if (!(o.character_coverage > 0.0)) {
    throw InvalidArgument(s.context() + ": character_coverage = 0: expected a fraction in (0, 1]");
  }
  s.reject_unused();
}

}  // namespace

std::string_view to_string(TextCommand command) {
  switch (command) {
    case TextCommand::pretrain: return "pretrain";
    case TextCommand::finetune: return "finetune";
    case TextCommand::sharpness: return "sharpness";
  }
  return "?";
}

TextDataConfig read_text_data_config(const toml::table& root, const std::string& source,
                                     TextCommand command, const fs::path& data_root) {
  const bool pretrain = command == TextCommand::pretrain;
  TextDataConfig cfg;
  cfg.source = source;

  // Top level: `pretrained` only (the rest of the top level is the training program's).
  const toml::node* pre = root.get("pretrained");
  if (pretrain && pre != nullptr) {
    throw InvalidArgument(config_where(source, *pre) +
                          ": pretrained does not apply to pretrain (it names the pre-trained "
                          "run a finetune starts from)");
  }
  if (!pretrain) {
    if (pre == nullptr) {
      throw InvalidArgument(source +
                            ": missing key 'pretrained' (the directory of a pretrain or finetune "
                            "output, holding tokenizer.model and model.bin; relative to the "
                            "current directory)");
    }
    const auto* str = pre->as_string();
    if (str == nullptr || str->get().empty()) {
      throw InvalidArgument(config_where(source, *pre) +
                            ": pretrained: expected a non-empty string, the directory of a "
                            "pretrain or finetune output");
    }
    cfg.pretrained = str->get();
  }

  if (const toml::table* tok = config_sub_table(root, "tokenizer", source, false)) {
    if (!pretrain) {
      throw InvalidArgument(config_where(source, *tok) + ": [tokenizer] does not apply to " +
                            std::string(to_string(command)) +
                            ": the tokenizer is the pre-trained run's (" +
                            cfg.tokenizer_file().string() + "); remove the table");
    }
    read_tokenizer(*tok, source, cfg.tokenizer);
  }

  const toml::table* data = config_sub_table(root, "data", source, true);
  Settings s = config_settings(*data, config_where(source, *data) + " [data]");
  // Every key of this command is "valid" in the unknown-key message, read or not.
  for (const char* key : {"task", "dir", "train_limit", "max_len"}) s.mark_used(key);
  if (pretrain) {
    for (const char* key : {"text", "eval_sentences", "mlm_select", "mlm_mask", "mlm_random"}) {
      s.mark_used(key);
    }
  } else {
    s.mark_used("dev_limit");
  }
  if (s.has("task")) {
    const std::string written = path_value(s, "task", "a GLUE task name");
    try {
      cfg.task = glue_task(written).name;
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(s.context() + ": task = \"" + written + "\": " + e.what());
    }
  }
  if (pretrain) {
    reject_key(s, "dev_limit", command,
               "pretrain reads no dev.tsv; eval_sentences holds out "
               "the evaluation sentences");
    if (s.has("text")) {
      cfg.text =
          resolve(path_value(s, "text", "a UTF-8 text file, one sentence per line"), data_root);
    }
    if (cfg.task.empty() && cfg.text.empty()) {
      throw InvalidArgument(s.context() +
                            ": give the corpus: task = \"sst2\" (the sentences of its train.tsv) "
                            "or text = \"FILE\" (one sentence per line)");
    }
    cfg.eval_sentences = static_cast<std::size_t>(s.integer(
        "eval_sentences", static_cast<std::int64_t>(cfg.eval_sentences), 1, 1'000'000'000));
    cfg.masking.select_prob = s.number("mlm_select", cfg.masking.select_prob, 0.0, 1.0);
    cfg.masking.mask_fraction = s.number("mlm_mask", cfg.masking.mask_fraction, 0.0, 1.0);
    cfg.masking.random_fraction = s.number("mlm_random", cfg.masking.random_fraction, 0.0, 1.0);
    if (cfg.masking.mask_fraction + cfg.masking.random_fraction > 1.0) {
      throw InvalidArgument(
          s.context() + ": mlm_mask + mlm_random = " + std::to_string(cfg.masking.mask_fraction) +
          " + " + std::to_string(cfg.masking.random_fraction) +
          " exceeds 1 (they are fractions of the selected tokens)");
    }
  } else {
    for (const char* key : {"text", "eval_sentences", "mlm_select", "mlm_mask", "mlm_random"}) {
      reject_key(s, key, command, "it applies to pretrain only");
    }
    if (cfg.task.empty()) {
      std::string valid;
      for (const std::string& n : glue_task_names()) {
        if (!valid.empty()) valid += ", ";
        valid += n;
      }
      throw InvalidArgument(s.context() + ": missing key 'task' (the GLUE task to " +
                            std::string(to_string(command)) + " on: " + valid + ")");
    }
    cfg.dev_limit = static_cast<std::size_t>(s.integer("dev_limit", 0, 0, 1'000'000'000'000));
  }
  if (!cfg.task.empty()) {
    const std::string dir = s.has("dir")
                                ? path_value(s, "dir", "the task's folder (train.tsv, dev.tsv)")
                                : default_dir(cfg.task);
    cfg.dir = resolve(dir, data_root);
  } else {
    reject_key(s, "dir", command, "it is the folder of a task; set task, or leave dir out");
  }
  cfg.train_limit = static_cast<std::size_t>(s.integer("train_limit", 0, 0, 1'000'000'000'000));
  cfg.max_len = static_cast<std::size_t>(
      s.integer("max_len", static_cast<std::int64_t>(cfg.max_len), 3, 65536));
  s.reject_unused();
  return cfg;
}

}  // namespace dcopt

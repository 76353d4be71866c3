#pragma once
// The text-task inputs of a `dcopt pretrain` / `dcopt finetune` file (and of `dcopt sharpness`,
// whose command line is turned into the same table): which text is read, how it is tokenized and
// masked. One parser for both programs: `dcopt` (which tokenizes) and `dcopt-train` (which reads
// the same file for max_len and the masking) call it, so it only parses (no SentencePiece, no
// file is opened). It reads the [data] and [tokenizer] tables and the top-level key `pretrained`
// and nothing else: the other tables and top-level keys belong to the training program's reader.
// Unknown keys inside [data] and [tokenizer] are errors.
//
//   pretrained = "runs/pretrain-sst2"  # finetune, sharpness: required; pretrain: not allowed.
//                          # The directory of a pretrain or finetune output (tokenizer.model,
//                          # model.bin); relative: to the current directory.
//   [data]
//   task = "sst2"          # a GLUE task (glue_task names: cola sst2 mrpc stsb qqp mnli qnli rte
//                          # wnli, also "SST-2"). finetune/sharpness: required. pretrain: the
//                          # sentences (a and b) of its train.tsv are the corpus unless `text` is
//                          # set; one of task and text is required.
//   dir = "glue/SST-2"     # the task's folder holding train.tsv and dev.tsv (default: the GLUE
//                          # distribution's folder, "glue/SST-2", "glue/MRPC", ...); relative: to
//                          # the data root ($DCOPT_DATA_DIR or the compiled default)
//   text = ""              # pretrain only: a UTF-8 file, one sentence per line, as the corpus
//                          # instead of the task's train.tsv; relative: to the data root
//   train_limit = 0        # the first N examples of train.tsv (or sentences of `text`); 0: all
//   dev_limit = 0          # finetune/sharpness: the first N examples of dev.tsv; 0: all
//   eval_sentences = 512   # pretrain: the last N corpus sentences, held out for the MLM
//                          # evaluation (>= 1; fewer than the corpus, checked when reading it)
//   max_len = 128          # tokens per row, specials included (3 .. 65536)
//   mlm_select = 0.15      # pretrain: MlmOptions select_prob, mask_fraction, random_fraction
//   mlm_mask = 0.8         #   (each in [0, 1]; mlm_mask + mlm_random <= 1)
//   mlm_random = 0.1
//   [tokenizer]            # pretrain only (finetune/sharpness take the pre-trained run's)
//   vocab_size = 8000      # pieces, the 5 specials included (6 .. 1000000; an upper bound)
//   model = "unigram"      # or "bpe"
//   lowercase = false
//   character_coverage = 0.9995  # in (0, 1]
//
// Keys of [data] that apply to another command (text, eval_sentences and mlm_* outside pretrain;
// dev_limit in pretrain) are errors saying so, not silently ignored.
#include <toml++/toml.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "dcopt/data/mlm_masking.hpp"
#include "dcopt/data/text_tokenizer.hpp"

namespace dcopt {

enum class TextCommand { pretrain, finetune, sharpness };

/// "pretrain", "finetune", "sharpness".
std::string_view to_string(TextCommand command);

struct TextDataConfig {
  std::string source;  ///< the config file (messages)
  /// Canonical GLUE task name ("sst2"); "" for a pretrain on a `text` file without a task.
  std::string task;
  std::filesystem::path dir;    ///< the task folder, resolved; empty without a task
  std::filesystem::path text;   ///< pretrain's corpus file, resolved; empty: the task's train.tsv
  std::size_t train_limit = 0;  ///< 0: all
  std::size_t dev_limit = 0;    ///< 0: all
  std::size_t eval_sentences = 512;
  std::size_t max_len = 128;
  TokenizerTrainOptions tokenizer;  ///< pretrain; defaults otherwise
  MlmOptions masking;               ///< pretrain; defaults otherwise
  /// finetune/sharpness: the pre-trained run directory, as written (relative to the current
  /// directory); empty for pretrain.
  std::filesystem::path pretrained;

  std::filesystem::path train_file() const { return dir / "train.tsv"; }
  std::filesystem::path dev_file() const { return dir / "dev.tsv"; }
  /// <pretrained>/tokenizer.model
  std::filesystem::path tokenizer_file() const { return pretrained / "tokenizer.model"; }
};

/// Reads [data], [tokenizer] and `pretrained` of `root` (a parsed config, --set overrides
/// applied; `source` names it in messages) for `command`. InvalidArgument "source:line [data]:
/// ..." naming the key for a missing required key, a bad value, an unknown key, or a key that
/// does not apply to `command`.
TextDataConfig read_text_data_config(const toml::table& root, const std::string& source,
                                     TextCommand command, const std::filesystem::path& data_root);

}  // namespace dcopt

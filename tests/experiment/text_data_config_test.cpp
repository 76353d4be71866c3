#include "dcopt/experiment/text_data_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/config_file.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kRoot = "/data/root";

TextDataConfig read(const std::string& text, TextCommand command,
                    const std::vector<std::string>& overrides = {}) {
  return read_text_data_config(parse_config(text, "t.toml", overrides), "t.toml", command, kRoot);
}

// The message of the InvalidArgument reading `text` throws ("" and a test failure if none).
std::string error_of(const std::string& text, TextCommand command,
                     const std::vector<std::string>& overrides = {}) {
  try {
    read(text, command, overrides);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return "";
}

TEST(TextDataConfig, PretrainDefaults) {
  // Tables of the training program are left alone (not read, not rejected).
  const TextDataConfig c =
      read("name = \"p\"\nworkers = 2\n[model]\nlayers = 2\n[data]\ntask = \"SST-2\"\n",
           TextCommand::pretrain);
  EXPECT_EQ(c.source, "t.toml");
  EXPECT_EQ(c.task, "sst2");
  EXPECT_EQ(c.dir, kRoot / "glue/SST-2");
  EXPECT_EQ(c.train_file(), kRoot / "glue/SST-2/train.tsv");
  EXPECT_TRUE(c.text.empty());
  EXPECT_EQ(c.train_limit, 0u);
  EXPECT_EQ(c.dev_limit, 0u);
  EXPECT_EQ(c.eval_sentences, 512u);
  EXPECT_EQ(c.max_len, 128u);
  EXPECT_EQ(c.masking.select_prob, 0.15);
  EXPECT_EQ(c.masking.mask_fraction, 0.8);
  EXPECT_EQ(c.masking.random_fraction, 0.1);
  EXPECT_EQ(c.tokenizer.vocab_size, 8000u);
  EXPECT_EQ(c.tokenizer.model, TokenizerModel::unigram);
  EXPECT_FALSE(c.tokenizer.lowercase);
  EXPECT_EQ(c.tokenizer.character_coverage, 0.9995);
  EXPECT_TRUE(c.pretrained.empty());
  EXPECT_EQ(read("[data]\ntask = \"mrpc\"\n", TextCommand::pretrain).dir, kRoot / "glue/MRPC");
  EXPECT_EQ(read("[data]\ntask = \"sts_b\"\n", TextCommand::pretrain).dir, kRoot / "glue/STS-B");
}

TEST(TextDataConfig, PretrainEveryKey) {
  const TextDataConfig c = read(
      "[data]\ntask = \"qnli\"\ndir = \"my/QNLI\"\ntext = \"/abs/corpus.txt\"\ntrain_limit = 300\n"
      "eval_sentences = 40\nmax_len = 64\nmlm_select = 0.2\nmlm_mask = 0.7\nmlm_random = 0.3\n"
      "[tokenizer]\nvocab_size = 500\nmodel = \"bpe\"\nlowercase = true\n"
      "character_coverage = 1.0\n",
      TextCommand::pretrain);
  EXPECT_EQ(c.task, "qnli");
  EXPECT_EQ(c.dir, kRoot / "my/QNLI");
  EXPECT_EQ(c.text, "/abs/corpus.txt");
  EXPECT_EQ(c.train_limit, 300u);
  EXPECT_EQ(c.eval_sentences, 40u);
  EXPECT_EQ(c.max_len, 64u);
  EXPECT_EQ(c.masking.select_prob, 0.2);
  EXPECT_EQ(c.masking.mask_fraction, 0.7);
  EXPECT_EQ(c.masking.random_fraction, 0.3);
  EXPECT_EQ(c.tokenizer.vocab_size, 500u);
  EXPECT_EQ(c.tokenizer.model, TokenizerModel::bpe);
  EXPECT_TRUE(c.tokenizer.lowercase);
  EXPECT_EQ(c.tokenizer.character_coverage, 1.0);
  // A text corpus needs no task; a relative text path resolves against the data root.
  const TextDataConfig t = read("[data]\ntext = \"wiki.txt\"\n", TextCommand::pretrain);
  EXPECT_EQ(t.text, kRoot / "wiki.txt");
  EXPECT_TRUE(t.task.empty());
  EXPECT_TRUE(t.dir.empty());
}

TEST(TextDataConfig, FinetuneEveryKeyAndOverrides) {
  const std::string text =
      "pretrained = \"runs/pre\"\n[data]\ntask = \"mrpc\"\ntrain_limit = 10\ndev_limit = 5\n"
      "max_len = 32\n";
  const TextDataConfig c = read(text, TextCommand::finetune);
  EXPECT_EQ(c.pretrained, "runs/pre");  // relative to the current directory, not the data root
  EXPECT_EQ(c.tokenizer_file(), "runs/pre/tokenizer.model");
  EXPECT_EQ(c.task, "mrpc");
  EXPECT_EQ(c.dev_file(), kRoot / "glue/MRPC/dev.tsv");
  EXPECT_EQ(c.train_limit, 10u);
  EXPECT_EQ(c.dev_limit, 5u);
  EXPECT_EQ(c.max_len, 32u);
  const TextDataConfig o =
      read(text, TextCommand::finetune, {"data.dev_limit=7", "pretrained=/abs/run"});
  EXPECT_EQ(o.dev_limit, 7u);
  EXPECT_EQ(o.pretrained, "/abs/run");
  EXPECT_EQ(read(text, TextCommand::sharpness).task, "mrpc");
}

TEST(TextDataConfig, UnknownKeysAreRejectedWithTheValidOnes) {
  EXPECT_THAT(error_of("[data]\ntask = \"sst2\"\nbatch = 3\n", TextCommand::pretrain),
              HasSubstr("t.toml:1 [data]: unknown key 'batch'; valid keys here: dir, "
                        "eval_sentences, max_len, mlm_mask, mlm_random, mlm_select, task, text, "
                        "train_limit"));
  EXPECT_THAT(
      error_of("pretrained = \"r\"\n[data]\ntask = \"sst2\"\nlimit = 3\n", TextCommand::finetune),
      HasSubstr("t.toml:2 [data]: unknown key 'limit'; valid keys here: dev_limit, dir, "
                "max_len, task, train_limit"));
  EXPECT_THAT(
      error_of("[data]\ntask = \"sst2\"\n[tokenizer]\nvocab = 100\n", TextCommand::pretrain),
      HasSubstr("t.toml:3 [tokenizer]: unknown key 'vocab'; valid keys here: "
                "character_coverage, lowercase, model, vocab_size"));
}

TEST(TextDataConfig, KeysOfAnotherCommandAreRejected) {
  EXPECT_THAT(error_of("pretrained = \"runs/p\"\n[data]\ntask = \"sst2\"\n[tokenizer]\n"
                       "vocab_size = 100\n",
                       TextCommand::finetune),
              HasSubstr("t.toml:4: [tokenizer] does not apply to finetune: the tokenizer is the "
                        "pre-trained run's (runs/p/tokenizer.model)"));
  EXPECT_THAT(error_of("pretrained = \"r\"\n[tokenizer]\n[data]\ntask = \"sst2\"\n",
                       TextCommand::sharpness),
              HasSubstr("[tokenizer] does not apply to sharpness"));
  for (const char* key : {"text = \"a.txt\"", "eval_sentences = 3", "mlm_select = 0.1",
                          "mlm_mask = 0.5", "mlm_random = 0.1"}) {
    EXPECT_THAT(error_of(std::string("pretrained = \"r\"\n[data]\ntask = \"sst2\"\n") + key + "\n",
                         TextCommand::finetune),
                HasSubstr("does not apply to finetune (it applies to pretrain only)"))
        << key;
  }
  EXPECT_THAT(error_of("[data]\ntask = \"sst2\"\ndev_limit = 3\n", TextCommand::pretrain),
              HasSubstr("[data]: dev_limit does not apply to pretrain"));
  EXPECT_THAT(error_of("pretrained = \"r\"\n[data]\ntask = \"sst2\"\n", TextCommand::pretrain),
              HasSubstr("t.toml:1: pretrained does not apply to pretrain"));
  EXPECT_THAT(error_of("[data]\ntext = \"a.txt\"\ndir = \"x\"\n", TextCommand::pretrain),
              HasSubstr("dir does not apply to pretrain (it is the folder of a task"));
}

TEST(TextDataConfig, MissingRequiredKeys) {
  EXPECT_THAT(error_of("[data]\ntask = \"sst2\"\n", TextCommand::finetune),
              HasSubstr("t.toml: missing key 'pretrained' (the directory of a pretrain or "
                        "finetune output"));
  EXPECT_THAT(error_of("pretrained = \"r\"\n[data]\ndir = \"glue/SST-2\"\n", TextCommand::finetune),
              HasSubstr("[data]: missing key 'task' (the GLUE task to finetune on: cola, sst2"));
  EXPECT_THAT(error_of("[data]\nmax_len = 64\n", TextCommand::pretrain),
              HasSubstr("[data]: give the corpus: task = \"sst2\""));
  EXPECT_THAT(error_of("pretrained = \"r\"\n", TextCommand::finetune),
              HasSubstr("t.toml: missing table [data]"));
}

TEST(TextDataConfig, BadValuesNameTheKey) {
  const std::string pre = "[data]\ntask = \"sst2\"\n";
  EXPECT_THAT(error_of("[data]\ntask = \"sst3\"\n", TextCommand::pretrain),
              HasSubstr("[data]: task = \"sst3\": unknown GLUE task 'sst3'; valid tasks: cola"));
  EXPECT_THAT(error_of(pre + "max_len = 2\n", TextCommand::pretrain), HasSubstr("max_len = 2"));
  EXPECT_THAT(error_of(pre + "eval_sentences = 0\n", TextCommand::pretrain),
              HasSubstr("eval_sentences = 0"));
  EXPECT_THAT(error_of(pre + "train_limit = -1\n", TextCommand::pretrain),
              HasSubstr("train_limit = -1"));
  EXPECT_THAT(error_of(pre + "mlm_select = 1.5\n", TextCommand::pretrain),
              HasSubstr("mlm_select = 1.5"));
  EXPECT_THAT(error_of(pre + "mlm_mask = 0.9\nmlm_random = 0.2\n", TextCommand::pretrain),
              HasSubstr("mlm_mask + mlm_random = 0.900000 + 0.200000 exceeds 1"));
  EXPECT_THAT(error_of(pre + "text = \"\"\n", TextCommand::pretrain),
              HasSubstr("text = \"\": expected a UTF-8 text file"));
  EXPECT_THAT(error_of(pre + "max_len = \"long\"\n", TextCommand::pretrain), HasSubstr("max_len"));
  EXPECT_THAT(error_of(pre + "[tokenizer]\nvocab_size = 5\n", TextCommand::pretrain),
              HasSubstr("[tokenizer]: vocab_size = 5"));
  EXPECT_THAT(error_of(pre + "[tokenizer]\nmodel = \"wordpiece\"\n", TextCommand::pretrain),
              HasSubstr("model = \"wordpiece\": invalid choice; valid: unigram, bpe"));
  EXPECT_THAT(error_of(pre + "[tokenizer]\ncharacter_coverage = 0\n", TextCommand::pretrain),
              HasSubstr("character_coverage = 0: expected a fraction in (0, 1]"));
  EXPECT_THAT(error_of(pre + "[tokenizer]\ncharacter_coverage = 1.1\n", TextCommand::pretrain),
              HasSubstr("character_coverage = 1.1"));
  EXPECT_THAT(error_of("pretrained = 3\n" + pre, TextCommand::finetune),
              HasSubstr("t.toml:1: pretrained: expected a non-empty string"));
  EXPECT_THAT(error_of("pretrained = \"\"\n" + pre, TextCommand::finetune),
              HasSubstr("pretrained: expected a non-empty string"));
  EXPECT_THAT(error_of("data = 3\n", TextCommand::pretrain), HasSubstr("data: expected a table"));
}

}  // namespace
}  // namespace dcopt

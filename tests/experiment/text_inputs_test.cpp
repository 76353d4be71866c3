#include "dcopt/experiment/text_inputs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/data/glue_reader.hpp"
#include "dcopt/data/text_corpus.hpp"
#include "dcopt/experiment/config_file.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kData = DCOPT_SHARED_DATA;

TextDataConfig config(const std::string& text, TextCommand command) {
  return read_text_data_config(parse_config(text, "t.toml", {}), "t.toml", command, kData);
}

class TextInputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dcopt_text_inputs_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A pretrain on the first 300 SST-2 training sentences, 50 held out, a 300-piece vocabulary.
  static const TokenBundle& sst2_pretrain() {
    static const TokenBundle b = prepare_text_inputs(
        config("[data]\ntask = \"sst2\"\ntrain_limit = 300\neval_sentences = 50\n"
               "[tokenizer]\nvocab_size = 300\n",
               TextCommand::pretrain),
        TextCommand::pretrain);
    return b;
  }

  // A run directory holding the tokenizer of sst2_pretrain(), as a pretrain run leaves it.
  fs::path run_dir() {
    const fs::path run = dir_ / "run";
    fs::create_directories(run);
    std::ofstream(run / "tokenizer.model", std::ios::binary) << sst2_pretrain().tokenizer_bytes;
    return run;
  }

  fs::path dir_;
};

TEST_F(TextInputs, PretrainOnGlueHoldsOutTheLastSentences) {
  const TokenBundle& b = sst2_pretrain();
  EXPECT_EQ(b.task, "sst2");
  EXPECT_TRUE(b.classes.empty());
  EXPECT_TRUE(b.dev_metrics.empty());
  ASSERT_EQ(b.splits.size(), 2u);
  EXPECT_EQ(b.splits[0].first, "train");
  EXPECT_EQ(b.splits[1].first, "eval");
  EXPECT_EQ(b.split("train").size(), 250u);
  EXPECT_EQ(b.split("eval").size(), 50u);
  EXPECT_FALSE(b.split("train").labeled);
  EXPECT_FALSE(b.split("eval").is_pair());
  EXPECT_EQ(b.split_sources[0], (kData / "glue/SST-2/train.tsv").string());
  const TextTokenizer t = TextTokenizer::from_bytes(b.tokenizer_bytes, "bundle");
  EXPECT_EQ(b.tokenizer_fingerprint, t.fingerprint());
  EXPECT_EQ(b.vocab_size, t.vocab_size());
  EXPECT_EQ(b.split("eval").tokenizer_fingerprint, t.fingerprint());

  // The tokenizer is the one trained on the first 250 sentences only (training is
  // deterministic: the same sentences give the same bytes), so the held-out 50 did not shape it.
  GlueReadOptions read;
  read.max_rows = 300;
  const TextCorpus corpus =
      corpus_from_glue(read_glue_tsv(kData / "glue/SST-2/train.tsv", glue_task("sst2"), read));
  ASSERT_EQ(corpus.sentences.size(), 300u);
  const std::vector<std::string> first(corpus.sentences.begin(), corpus.sentences.begin() + 250);
  const std::vector<std::string> last(corpus.sentences.begin() + 250, corpus.sentences.end());
  TokenizerTrainOptions o;
  o.vocab_size = 300;
  EXPECT_EQ(TextTokenizer::train(first, o).bytes(), b.tokenizer_bytes);
  EXPECT_NE(TextTokenizer::train(corpus.sentences, o).bytes(), b.tokenizer_bytes);
  // ... and the splits are those sentences, in order.
  const TokenizedDataset eval = tokenize_dataset(TextCorpus{"x", last}.as_dataset(), t);
  EXPECT_EQ(b.split("eval").a.ids, eval.a.ids);
  EXPECT_EQ(b.split("eval").a.offsets, eval.a.offsets);
  EXPECT_EQ(b.split("train").a.ids, tokenize_dataset(TextCorpus{"x", first}.as_dataset(), t).a.ids);
}

TEST_F(TextInputs, PretrainOnATextFile) {
  const fs::path text = dir_ / "corpus.txt";
  {
    std::ofstream f(text, std::ios::binary);
    for (int i = 0; i < 120; ++i) f << "sentence number " << i << " of the corpus\n\n";
  }
  const TextDataConfig cfg = config("[data]\ntext = \"" + text.string() +
                                        "\"\ntrain_limit = 100\neval_sentences = 10\n"
                                        "[tokenizer]\nvocab_size = 60\n",
                                    TextCommand::pretrain);
  const TokenBundle b = prepare_text_inputs(cfg, TextCommand::pretrain);
  EXPECT_EQ(b.task, "");
  EXPECT_EQ(b.split("train").size(), 90u);
  EXPECT_EQ(b.split("eval").size(), 10u);
  EXPECT_EQ(b.split_sources[1], text.string());
  const TextTokenizer t = TextTokenizer::from_bytes(b.tokenizer_bytes, "bundle");
  // The last held-out sentence is sentence 99 (train_limit keeps 0..99).
  const std::vector<std::int32_t> want = t.encode("sentence number 99 of the corpus");
  const auto got = b.split("eval").a[9];
  EXPECT_EQ(std::vector<std::int32_t>(got.begin(), got.end()), want);
  // The bundle survives its token file.
  write_token_file(dir_ / "tokens.bin", b);
  EXPECT_EQ(read_token_file(dir_ / "tokens.bin").split("eval").a.ids, b.split("eval").a.ids);
}

TEST_F(TextInputs, PretrainNeedsMoreSentencesThanItHoldsOut) {
  const TextDataConfig cfg =
      config("[data]\ntask = \"sst2\"\ntrain_limit = 20\n", TextCommand::pretrain);
  try {
    prepare_text_inputs(cfg, TextCommand::pretrain);
    ADD_FAILURE() << "held out the whole corpus";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("eval_sentences = 512 holds out the whole corpus"));
    EXPECT_THAT(e.what(), HasSubstr("has 20 sentences within train_limit"));
  }
  try {
    prepare_text_inputs(
        config("[data]\ntext = \"" + (dir_ / "none.txt").string() + "\"\n", TextCommand::pretrain),
        TextCommand::pretrain);
    ADD_FAILURE() << "read a missing corpus";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr((dir_ / "none.txt").string()));
  }
}

TEST_F(TextInputs, FinetuneTokenizesWithThePretrainedTokenizer) {
  const fs::path run = run_dir();
  const TokenBundle b = prepare_text_inputs(
      config("pretrained = \"" + run.string() +
                 "\"\n[data]\ntask = \"sst2\"\ntrain_limit = 100\ndev_limit = 30\n",
             TextCommand::finetune),
      TextCommand::finetune);
  EXPECT_EQ(b.tokenizer_bytes, sst2_pretrain().tokenizer_bytes);
  EXPECT_EQ(b.tokenizer_fingerprint, sst2_pretrain().tokenizer_fingerprint);
  EXPECT_EQ(b.task, "sst2");
  EXPECT_FALSE(b.regression);
  EXPECT_EQ(b.classes, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(b.dev_metrics, (std::vector<std::string>{"accuracy"}));
  ASSERT_EQ(b.splits.size(), 2u);
  EXPECT_EQ(b.splits[0].first, "train");
  EXPECT_EQ(b.splits[1].first, "dev");
  EXPECT_EQ(b.split_sources[1], (kData / "glue/SST-2/dev.tsv").string());

  // The same ids and labels as tokenizing the files directly.
  const TextTokenizer t = TextTokenizer::from_bytes(sst2_pretrain().tokenizer_bytes, "pretrain");
  for (const auto& [name, rows] : {std::pair{"train", 100}, std::pair{"dev", 30}}) {
    GlueReadOptions read;
    read.max_rows = static_cast<std::size_t>(rows);
    const TextDataset data =
        read_glue_tsv(kData / "glue/SST-2" / (std::string(name) + ".tsv"), glue_task("sst2"), read);
    const TokenizedDataset want = tokenize_dataset(data, t);
    const TokenizedDataset& got = b.split(name);
    EXPECT_EQ(got.size(), static_cast<std::size_t>(rows)) << name;
    EXPECT_TRUE(got.labeled);
    EXPECT_EQ(got.a.ids, want.a.ids) << name;
    EXPECT_EQ(got.a.offsets, want.a.offsets) << name;
    EXPECT_EQ(got.label_ids, data.label_ids) << name;
  }
}

TEST_F(TextInputs, FinetuneOnAPairTaskAndSharpness) {
  const fs::path run = run_dir();
  const std::string text = "pretrained = \"" + run.string() +
                           "\"\n[data]\ntask = \"mrpc\"\ntrain_limit = 40\ndev_limit = 20\n";
  const TokenBundle b =
      prepare_text_inputs(config(text, TextCommand::finetune), TextCommand::finetune);
  EXPECT_EQ(b.dev_metrics, (std::vector<std::string>{"accuracy", "f1"}));  // glue_task("mrpc")
  EXPECT_TRUE(b.split("train").is_pair());
  EXPECT_EQ(b.split("train").b.size(), 40u);
  EXPECT_EQ(b.split("dev").size(), 20u);
  // sharpness prepares the same splits from the same run's tokenizer.
  const TokenBundle s =
      prepare_text_inputs(config(text, TextCommand::sharpness), TextCommand::sharpness);
  EXPECT_EQ(s.split("dev").b.ids, b.split("dev").b.ids);
  EXPECT_EQ(s.split("train").label_ids, b.split("train").label_ids);
}

TEST_F(TextInputs, MissingOrBadTokenizerModelIsADataErrorNamingThePath) {
  const fs::path empty_run = dir_ / "empty-run";
  fs::create_directories(empty_run);
  const std::string data = "\"\n[data]\ntask = \"sst2\"\ntrain_limit = 5\ndev_limit = 5\n";
  try {
    prepare_text_inputs(
        config("pretrained = \"" + empty_run.string() + data, TextCommand::finetune),
        TextCommand::finetune);
    ADD_FAILURE() << "finetuned without a tokenizer";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot read the pre-trained tokenizer " +
                                    (empty_run / "tokenizer.model").string()));
  }
  std::ofstream(empty_run / "tokenizer.model", std::ios::binary) << "not a model";
  try {
    prepare_text_inputs(
        config("pretrained = \"" + empty_run.string() + data, TextCommand::sharpness),
        TextCommand::sharpness);
    ADD_FAILURE() << "loaded a bad tokenizer";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr((empty_run / "tokenizer.model").string()));
  }
}

}  // namespace
}  // namespace dcopt

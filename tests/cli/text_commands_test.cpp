// End-to-end tests of `dcopt pretrain | finetune | sharpness` up to the exec of dcopt-train: a
// copy of dcopt runs next to a stand-in dcopt-train (a shell script) that records its arguments
// and keeps the token file, so the hand-over is tested without LibTorch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "dcopt/data/token_file.hpp"
#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::run_command;

class TextCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dcopt_text_commands_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "bin");
    fs::create_directories(dir_ / "tmp");
    fs::copy_file(testing::dcopt_binary(), dir_ / "bin/dcopt");
    // The stand-in: one argument per line into args.txt; the token file copied to kept.bin and
    // deleted, as dcopt-train does with --tokens-temporary.
    const fs::path fake = dir_ / "bin/dcopt-train";
    std::ofstream(fake) << "#!/bin/sh\n"
                           "printf '%s\\n' \"$@\" > '"
                        << (dir_ / "args.txt").string()
                        << "'\n"
                           "while [ $# -gt 0 ]; do\n"
                           "  if [ \"$1\" = --tokens ]; then cp \"$2\" '"
                        << (dir_ / "kept.bin").string()
                        << "' && rm \"$2\"; fi\n"
                           "  shift\n"
                           "done\n"
                           "exit 7\n";
    fs::permissions(fake, fs::perms::owner_all);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the copied dcopt with `args`, its temporary directory dir_/tmp, the shared data root.
  testing::CommandResult dcopt(const std::string& args) {
    return run_command("cd '" + dir_.string() + "' && TMPDIR='" + (dir_ / "tmp").string() +
                       "' DCOPT_DATA_DIR='" + DCOPT_SHARED_DATA + "' '" +
                       (dir_ / "bin/dcopt").string() + "' " + args);
  }
  std::vector<std::string> recorded_args() {
    std::ifstream in(dir_ / "args.txt");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  std::size_t temp_files() {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir_ / "tmp"), fs::directory_iterator()));
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  fs::path dir_;
};

TEST_F(TextCommands, PretrainThenFinetuneHandTheirTokensToDcoptTrain) {
  write("pre.toml",
        "name = \"p\"\n[model]\nlayers = 2\n[data]\ntask = \"sst2\"\ntrain_limit = 200\n"
        "eval_sentences = 20\n[tokenizer]\nvocab_size = 150\n");
  const auto r = dcopt("pretrain pre.toml --set data.max_len=64 --out runs/p --set=name=q");
  // The stand-in's exit code: dcopt exec'ed it (and is gone).
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_THAT(r.err, HasSubstr("dcopt: tokenized 180 train / 20 eval sentences (vocab "));
  std::vector<std::string> args = recorded_args();
  ASSERT_EQ(args.size(), 10u) << r.err;
  EXPECT_EQ(std::vector<std::string>(args.begin(), args.begin() + 7),
            (std::vector<std::string>{"pretrain", "pre.toml", "--set", "data.max_len=64", "--out",
                                      "runs/p", "--set=name=q"}));
  EXPECT_EQ(args[7], "--tokens");
  EXPECT_EQ(fs::path(args[8]).parent_path(), dir_ / "tmp");
  EXPECT_EQ(args[9], "--tokens-temporary");
  EXPECT_EQ(temp_files(), 0u);  // the stand-in deleted it; nothing else was left
  const TokenBundle pre = read_token_file(dir_ / "kept.bin");
  EXPECT_EQ(pre.split("train").size(), 180u);
  EXPECT_EQ(pre.split("eval").size(), 20u);

  // A finetune from that "run": its tokenizer.model is the pretrain's tokenizer.
  fs::create_directories(dir_ / "runs/p");
  std::ofstream(dir_ / "runs/p/tokenizer.model", std::ios::binary) << pre.tokenizer_bytes;
  write("ft.toml", "pretrained = \"runs/p\"\n[data]\ntask = \"sst2\"\ntrain_limit = 50\n");
  const auto f = dcopt("finetune ft.toml --set data.dev_limit=10");
  EXPECT_EQ(f.exit_code, 7) << f.err;
  EXPECT_THAT(f.err, HasSubstr("dcopt: tokenized 50 train / 10 dev examples (vocab "));
  const TokenBundle ft = read_token_file(dir_ / "kept.bin");
  EXPECT_EQ(ft.tokenizer_fingerprint, pre.tokenizer_fingerprint);
  EXPECT_EQ(ft.split("dev").size(), 10u);
  EXPECT_TRUE(ft.split("dev").labeled);

  const auto s = dcopt("sharpness runs/p --task sst2 --split dev --limit=12");
  EXPECT_EQ(s.exit_code, 7) << s.err;
  args = recorded_args();
  ASSERT_EQ(args.size(), 10u);
  EXPECT_EQ(std::vector<std::string>(args.begin(), args.begin() + 6),
            (std::vector<std::string>{"sharpness", "runs/p", "--task", "sst2", "--split", "dev"}));
  EXPECT_EQ(read_token_file(dir_ / "kept.bin").split("train").size(), 12u);
  EXPECT_EQ(temp_files(), 0u);
}

TEST(TextCommandsHelp, DcoptHelpListsThem) {
  const auto h = run_command(testing::dcopt_binary() + " --help");
  EXPECT_EQ(h.exit_code, 0);
  for (const char* command : {"pretrain", "finetune", "sharpness"}) {
    EXPECT_THAT(h.out, HasSubstr(std::string("\n  ") + command + " ")) << command;
  }
}

TEST_F(TextCommands, BadInputsExitTwoAndLeaveNoTokenFile) {
  write("bad.toml", "[data]\ntask = \"sst2\"\nbogus = 1\n");
  auto r = dcopt("pretrain bad.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("dcopt: error: bad.toml:1 [data]: unknown key 'bogus'"));
  // The corpus is smaller than the held-out part: fails after reading the data.
  write("small.toml", "[data]\ntask = \"sst2\"\ntrain_limit = 10\n");
  r = dcopt("pretrain small.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("eval_sentences = 512 holds out the whole corpus"));
  write("ft.toml", "pretrained = \"runs/none\"\n[data]\ntask = \"sst2\"\n");
  r = dcopt("finetune ft.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot read the pre-trained tokenizer runs/none/tokenizer.model"));
  r = dcopt("pretrain missing.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing.toml: cannot read the config file"));
  r = dcopt("sharpness runs/none");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing --task NAME"));
  EXPECT_EQ(temp_files(), 0u);
  EXPECT_FALSE(fs::exists(dir_ / "args.txt"));  // dcopt-train was never started

  // --help goes straight to dcopt-train, preparing nothing.
  r = dcopt("finetune --help");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(recorded_args(), (std::vector<std::string>{"finetune", "--help"}));

  // Without dcopt-train: exit 2 before tokenizing, saying what is missing.
  fs::remove(dir_ / "bin/dcopt-train");
  write("pre.toml", "[data]\ntask = \"sst2\"\ntrain_limit = 100\neval_sentences = 5\n");
  r = dcopt("pretrain pre.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("'dcopt pretrain' needs "));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("tokenized")));
  EXPECT_EQ(temp_files(), 0u);
}

}  // namespace
}  // namespace dcopt

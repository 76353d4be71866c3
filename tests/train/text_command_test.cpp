// `dcopt pretrain`, `dcopt finetune` and `dcopt sharpness` end to end, on a tiny BERT and a few
// hundred SST-2 / MRPC examples: the outputs, threads == MPI, resume across the perturbation's
// switch-on epoch, the plain optimizer recovered bit for bit by ScaLA with lambda = 0 or t_s past
// the last epoch, and bad input (exit 2, a message naming what is wrong, nothing written).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/csv.hpp"
#include "support/run_command.hpp"

namespace dcopt::train {
namespace {

namespace fs = std::filesystem;
using dcopt::testing::run_command;
using dcopt::testing::slurp;
using ::testing::AllOf;
using ::testing::HasSubstr;

// A tiny model and corpus: each run takes about a second.
const char* kPretrain = R"(seed = 3
workers = 2
[model]
name = "bert"
hidden = 32
layers = 1
heads = 2
ffn = 64
max_positions = 32
[data]
task = "sst2"
train_limit = 500
eval_sentences = 100
max_len = 32
[tokenizer]
vocab_size = 300
[train]
batch = 16
steps = 12
eval_every = 6
[optimizer]
name = "adamw"
lr = 1e-3
)";

std::string finetune_config(const std::string& pretrained, const std::string& extra) {
  return "seed = 5\nworkers = 2\npretrained = \"" + pretrained +
         "\"\n[data]\ntask = \"sst2\"\ntrain_limit = 192\ndev_limit = 64\nmax_len = 32\n"
         "[train]\nbatch = 16\nepochs = 3\neval_batch = 32\n"
         "[optimizer]\nname = \"lamb\"\nlr = 2e-3\nschedule = \"linear\"\n"
         "warmup_fraction = 0.1\n" +
         extra;
}

const char* kScala =
    "[perturbation]\nmode = \"pga\"\nstart_epoch = 2\nlambda = 1.0\n"
    "direction = \"sign\"\n";

class TextCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dcopt_text_command_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& p) const { return (dir_ / p).string(); }
  std::string write(const std::string& file, const std::string& text) const {
    std::ofstream(dir_ / file) << text;
    return path(file);
  }
  testing::CommandResult dcopt(const std::string& args) const {
    return run_command(std::string("DCOPT_DATA_DIR='") + DCOPT_SHARED_DATA + "' " + DCOPT_BINARY +
                       " " + args);
  }
  testing::CommandResult dcopt_mpi(const std::string& args) const {
    return run_command(dcopt::testing::kMpiEnv + "DCOPT_DATA_DIR='" + DCOPT_SHARED_DATA +
                       "' mpirun -np 2 --bind-to none " + DCOPT_BINARY + " " + args);
  }
  // The pre-trained run every fine-tuning test starts from.
  std::string pretrained() {
    const std::string out = path("pretrained");
    if (!fs::exists(out)) {
      const auto r = dcopt("pretrain " + write("pt.toml", kPretrain) + " --quiet --out " + out);
      EXPECT_EQ(r.exit_code, 0) << r.err;
    }
    return out;
  }

  fs::path dir_;
};

// metrics.csv without wall_s (the 10th column), every line.
std::vector<std::string> metrics_without_wall(const std::string& file) {
  std::vector<std::string> out;
  std::stringstream ss(slurp(file));
  for (std::string line; std::getline(ss, line);) {
    std::vector<std::string> f = dcopt::testing::split_csv(line);
    f.erase(f.begin() + 9);
    std::string joined;
    for (const auto& x : f) joined += x + ",";
    out.push_back(joined);
  }
  return out;
}

TEST_F(TextCommand, PretrainWritesTheModelTheTokenizerAndMlmMetrics) {
  const std::string out = pretrained();
  EXPECT_TRUE(fs::exists(out + "/model.bin"));
  EXPECT_TRUE(fs::exists(out + "/tokenizer.model"));
  const std::vector<std::string> lines = metrics_without_wall(out + "/metrics.csv");
  ASSERT_EQ(lines.size(), 4u);  // header, steps 0, 6, 12
  const auto first = dcopt::testing::split_csv(lines[1]);
  const auto last = dcopt::testing::split_csv(lines[3]);
  // The held-out MLM loss starts near log(300) = 5.7 (uniform over the vocabulary) and falls.
  EXPECT_NEAR(std::stod(first[3]), std::log(300.0), 0.3);
  EXPECT_LT(std::stod(last[3]), std::stod(first[3]));
  const auto summary = nlohmann::json::parse(slurp(out + "/summary.json"));
  EXPECT_THAT(summary["model"]["name"].get<std::string>(), HasSubstr("labels=0,mlm"));
}

TEST_F(TextCommand, FinetuneReportsDevMetricsAndTheStepsTimeBreakdown) {
  const std::string pt = pretrained();
  // MRPC: a sentence-pair task scored by accuracy and F1.
  std::string cfg = finetune_config(pt, kScala);
  cfg.replace(cfg.find("\"sst2\""), 6, "\"mrpc\"");
  const auto r = dcopt("finetune " + write("ft.toml", cfg) + " --quiet --out " + path("ft"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string header = slurp(path("ft/metrics.csv")).substr(0, 200);
  EXPECT_THAT(header, HasSubstr("sample_grads,wall_s,f1\n"));
  const auto s = nlohmann::json::parse(slurp(path("ft/summary.json")));
  const auto& split = s["step_split_ms"];
  for (const char* k : {"forward", "backward", "perturbation", "communication", "update"}) {
    ASSERT_TRUE(split.contains(k)) << k;
  }
  // Epochs 2 and 3 of 3 are perturbed (t_s = 2): the ascent's passes took time.
  EXPECT_GT(split["perturbation"].get<double>(), 0.0);
  EXPECT_TRUE(s["final"].contains("f1"));
  EXPECT_TRUE(fs::exists(path("ft/model.bin")));
  EXPECT_EQ(slurp(path("ft/tokenizer.model")), slurp(pt + "/tokenizer.model"));
}

TEST_F(TextCommand, ScalaWithLambdaZeroOrALateStartIsThePlainOptimizerBitForBit) {
  const std::string pt = pretrained();
  const auto plain = dcopt("finetune " + write("a.toml", finetune_config(pt, "")) +
                           " --quiet --out " + path("plain"));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const auto zero2 = dcopt("finetune " + write("c.toml", finetune_config(pt, kScala)) +
                           " --set perturbation.lambda=0.0 --quiet --out " + path("zero"));
  ASSERT_EQ(zero2.exit_code, 0) << zero2.err;
  const auto late = dcopt("finetune " + write("d.toml", finetune_config(pt, kScala)) +
                          " --set perturbation.start_epoch=4 --quiet --out " + path("late"));
  ASSERT_EQ(late.exit_code, 0) << late.err;
  EXPECT_THAT(late.err, AllOf(HasSubstr("start_epoch = 4"), HasSubstr("no step is perturbed")));
  const auto on = dcopt("finetune " + write("e.toml", finetune_config(pt, kScala)) +
                        " --quiet --out " + path("on"));
  ASSERT_EQ(on.exit_code, 0) << on.err;
  EXPECT_EQ(metrics_without_wall(path("plain/metrics.csv")),
            metrics_without_wall(path("zero/metrics.csv")));
  EXPECT_EQ(metrics_without_wall(path("plain/metrics.csv")),
            metrics_without_wall(path("late/metrics.csv")));
  EXPECT_EQ(slurp(path("plain/model.bin")), slurp(path("late/model.bin")));
  // The control: perturbing from epoch 2 does change the run.
  EXPECT_NE(slurp(path("plain/model.bin")), slurp(path("on/model.bin")));
}

TEST_F(TextCommand, FinetuneExchangesGradientsThroughAnyCodec) {
  const std::string pt = pretrained();
  const std::string cfg = write("ft.toml", finetune_config(pt, ""));
  const auto dense = dcopt("finetune " + cfg + " --quiet --out " + path("dense"));
  ASSERT_EQ(dense.exit_code, 0) << dense.err;
  const auto int8 =
      dcopt("finetune " + cfg + " --set communication.codec=int8 --quiet --out " + path("int8"));
  ASSERT_EQ(int8.exit_code, 0) << int8.err;
  const auto bits = [&](const std::string& dir) {
    return nlohmann::json::parse(slurp(path(dir + "/summary.json")))["final"]["bits_up"]
        .get<double>();
  };
  // 8-bit codes plus a scale per message: about a quarter of the fp32 traffic.
  EXPECT_GT(bits("dense"), 3.9 * bits("int8"));
  EXPECT_LT(bits("dense"), 4.1 * bits("int8"));
  EXPECT_NE(slurp(path("dense/model.bin")), slurp(path("int8/model.bin")));
}

TEST_F(TextCommand, ThreadsAndMpiGiveIdenticalRuns) {
  const std::string pt = pretrained();
  const std::string cfg = write("ft.toml", finetune_config(pt, kScala));
  const auto t = dcopt("finetune " + cfg + " --quiet --out " + path("threads"));
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto m = dcopt_mpi("finetune " + cfg + " --quiet --backend mpi --out " + path("mpi"));
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(metrics_without_wall(path("threads/metrics.csv")),
            metrics_without_wall(path("mpi/metrics.csv")));
  EXPECT_EQ(slurp(path("threads/model.bin")), slurp(path("mpi/model.bin")));
  // Pre-training too.
  const auto pm = dcopt_mpi("pretrain " + write("pt.toml", kPretrain) +
                            " --quiet --backend mpi --out " + path("pt-mpi"));
  ASSERT_EQ(pm.exit_code, 0) << pm.err;
  EXPECT_EQ(metrics_without_wall(pt + "/metrics.csv"),
            metrics_without_wall(path("pt-mpi/metrics.csv")));
  EXPECT_EQ(slurp(pt + "/model.bin"), slurp(path("pt-mpi/model.bin")));
}

TEST_F(TextCommand, HaltedAndResumedAcrossTheSwitchOnEqualsUninterrupted) {
  const std::string pt = pretrained();
  const std::string cfg = write("ft.toml", finetune_config(pt, kScala));
  const auto full = dcopt("finetune " + cfg + " --quiet --out " + path("full"));
  ASSERT_EQ(full.exit_code, 0) << full.err;
  // 6 steps per epoch (192 / 2 workers / 16): halt in epoch 1, resume through the switch-on at
  // epoch 2 (step 7).
  const auto halt = dcopt("finetune " + cfg + " --quiet --halt-after 4 --checkpoint-dir " +
                          path("ck") + " --out " + path("resumed"));
  ASSERT_EQ(halt.exit_code, 0) << halt.err;
  EXPECT_FALSE(fs::exists(path("resumed")));
  const auto resume =
      dcopt("finetune " + cfg + " --quiet --resume " + path("ck") + " --out " + path("resumed"));
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  EXPECT_EQ(metrics_without_wall(path("full/metrics.csv")),
            metrics_without_wall(path("resumed/metrics.csv")));
  EXPECT_EQ(slurp(path("full/model.bin")), slurp(path("resumed/model.bin")));

  // Pre-training: the masking stream resumes too.
  const std::string ptc = write("pt.toml", kPretrain);
  const auto ph = dcopt("pretrain " + ptc + " --quiet --halt-after 5 --checkpoint-dir " +
                        path("ck2") + " --out " + path("pt-resumed"));
  ASSERT_EQ(ph.exit_code, 0) << ph.err;
  const auto pr = dcopt("pretrain " + ptc + " --quiet --resume " + path("ck2") + " --out " +
                        path("pt-resumed"));
  ASSERT_EQ(pr.exit_code, 0) << pr.err;
  EXPECT_EQ(slurp(pt + "/model.bin"), slurp(path("pt-resumed/model.bin")));
}

TEST_F(TextCommand, SharpnessConvergesOnAFineTunedModel) {
  const std::string pt = pretrained();
  const auto ft = dcopt("finetune " + write("ft.toml", finetune_config(pt, "")) +
                        " --quiet --out " + path("ft"));
  ASSERT_EQ(ft.exit_code, 0) << ft.err;
  const auto r = dcopt("sharpness " + path("ft") +
                       " --task sst2 --limit 64 --batch 32 --iterations 200 --tolerance 1e-5 "
                       "--out " +
                       path("sharp.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(slurp(path("sharp.json")));
  EXPECT_TRUE(j["converged"].get<bool>());
  const double lambda = j["eigenvalue"].get<double>();
  EXPECT_TRUE(std::isfinite(lambda));
  EXPECT_GT(lambda, 0.0);  // near a minimum of cross-entropy the top eigenvalue is positive
  EXPECT_THAT(r.out, HasSubstr("top Hessian eigenvalue"));
  // The same command, twice: the same number (a fixed batch, eval mode, a seeded start).
  const auto again = dcopt("sharpness " + path("ft") +
                           " --task sst2 --limit 64 --batch 32 --iterations 200 --tolerance 1e-5 "
                           "--out " +
                           path("sharp2.json"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(path("sharp2.json")))["eigenvalue"].get<double>(), lambda);
  // A pre-trained model has no task loss to measure.
  const auto bad = dcopt("sharpness " + pt + " --task sst2 --limit 64");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("without a task head"));
}

// The MASHA experiment's set-up in miniature (issue 10): an ALBERT with one shared layer and
// factorized embeddings, pre-trained adversarially (FreeLB on the MLM loss).
std::string adversarial_albert(const std::string& freelb) {
  std::string c = kPretrain;
  c.replace(c.find("name = \"bert\""), 13, "name = \"albert\"\nembedding = 16");
  c.replace(c.find("layers = 1"), 10, "layers = 2");
  return "adversarial = true\n" + c + "[freelb]\n" + freelb;
}

TEST_F(TextCommand, AdversarialAlbertPretrainIsPlainAtOnePassFromZeroAndTheSameUnderMpi) {
  std::string plain_albert = adversarial_albert("");
  plain_albert.erase(0, plain_albert.find('\n') + 1);                    // adversarial = true
  plain_albert.erase(plain_albert.find("[freelb]"), std::string::npos);  // and its table
  const auto plain =
      dcopt("pretrain " + write("plain.toml", plain_albert) + " --quiet --out " + path("plain"));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const auto one = dcopt(
      "pretrain " + write("one.toml", adversarial_albert("steps = 1\ninit_magnitude = 0.0\n")) +
      " --quiet --out " + path("one"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(metrics_without_wall(path("plain/metrics.csv")),
            metrics_without_wall(path("one/metrics.csv")));
  EXPECT_EQ(slurp(path("plain/model.bin")), slurp(path("one/model.bin")));
  const std::string adv =
      write("adv.toml", adversarial_albert("steps = 2\nstep_size = 0.1\ninit_magnitude = 0.05\n"
                                           "max_norm = 0.2\nbeta = 0.5\n"));
  const auto t = dcopt("pretrain " + adv + " --out " + path("threads"));
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_THAT(t.out, HasSubstr("perturbation"));  // the extra pass's time is reported
  const auto m = dcopt_mpi("pretrain " + adv + " --quiet --backend mpi --out " + path("mpi"));
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(metrics_without_wall(path("threads/metrics.csv")),
            metrics_without_wall(path("mpi/metrics.csv")));
  EXPECT_EQ(slurp(path("threads/model.bin")), slurp(path("mpi/model.bin")));
  EXPECT_NE(slurp(path("plain/model.bin")), slurp(path("threads/model.bin")));
  const auto summary = nlohmann::json::parse(slurp(path("threads/summary.json")));
  EXPECT_THAT(summary["model"]["name"].get<std::string>(), HasSubstr("shared"));
  EXPECT_GT(summary["step_split_ms"]["perturbation"].get<double>(), 0.0);
}

TEST_F(TextCommand, AdversarialKeysAreCheckedNamingWhatIsWrong) {
  // [freelb] without adversarial = true would do nothing.
  std::string no_switch = adversarial_albert("steps = 2\n");
  no_switch.erase(0, no_switch.find('\n') + 1);
  auto r = dcopt("pretrain " + write("a.toml", no_switch) + " --quiet --out " + path("a"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, AllOf(HasSubstr("[freelb]"), HasSubstr("adversarial = true")));
  EXPECT_FALSE(fs::exists(path("a")));
  const std::string ok = write("b.toml", adversarial_albert("steps = 2\n"));
  r = dcopt("pretrain " + ok + " --set adversarial=\"yes\" --quiet --out " + path("b"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("adversarial: expected true or false"));
  r = dcopt("pretrain " + ok + " --set freelb.beta=-1 --quiet --out " + path("b"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("beta"));
  r = dcopt("pretrain " + ok + " --set freelb.stpes=3 --quiet --out " + path("b"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("stpes"));
  EXPECT_FALSE(fs::exists(path("b")));
}

TEST_F(TextCommand, BadInputIsRefusedNamingWhatIsWrong) {
  const std::string pt = pretrained();
  // The architecture comes from the pre-trained model.
  auto r = dcopt("finetune " + write("a.toml", finetune_config(pt, "")) +
                 " --set model.hidden=64 --quiet --out " + path("a"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, AllOf(HasSubstr("hidden"), HasSubstr("architecture of the pre-trained")));
  EXPECT_FALSE(fs::exists(path("a")));
  // A tokenizer that does not match the model: another pre-training's tokenizer.model.
  fs::create_directories(path("mixed"));
  fs::copy_file(pt + "/model.bin", path("mixed/model.bin"));
  std::string other = kPretrain;
  other.replace(other.find("vocab_size = 300"), 16, "vocab_size = 250");
  ASSERT_EQ(
      dcopt("pretrain " + write("other.toml", other) + " --quiet --out " + path("other")).exit_code,
      0);
  fs::copy_file(path("other/tokenizer.model"), path("mixed/tokenizer.model"));
  r = dcopt("finetune " + write("b.toml", finetune_config(path("mixed"), "")) + " --quiet --out " +
            path("b"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("another tokenizer"));
  EXPECT_FALSE(fs::exists(path("b")));
  // A damaged model file.
  {
    std::string bytes = slurp(pt + "/model.bin");
    bytes[bytes.size() / 2] ^= 0x5a;
    fs::create_directories(path("damaged"));
    std::ofstream(path("damaged/model.bin"), std::ios::binary) << bytes;
    fs::copy_file(pt + "/tokenizer.model", path("damaged/tokenizer.model"));
  }
  r = dcopt("finetune " + write("c.toml", finetune_config(path("damaged"), "")) +
            " --quiet --out " + path("c"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("damaged"));
  // A checkpoint of another run (here: another perturbation) is refused on resume.
  const std::string cfg = write("d.toml", finetune_config(pt, kScala));
  ASSERT_EQ(dcopt("finetune " + cfg + " --quiet --halt-after 2 --checkpoint-dir " + path("ck") +
                  " --out " + path("d"))
                .exit_code,
            0);
  r = dcopt("finetune " + cfg + " --set perturbation.lambda=0.5 --quiet --resume " + path("ck") +
            " --out " + path("d"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("another configuration"));
  // A bad TSV row in the task's files: the file and line are named.
  fs::create_directories(path("badglue"));
  std::ofstream(path("badglue/train.tsv")) << "sentence\tlabel\ngood movie\t1\nbad row\n";
  std::ofstream(path("badglue/dev.tsv")) << "sentence\tlabel\nfine\t0\n";
  r = dcopt("finetune " + write("e.toml", finetune_config(pt, "")) +
            " --set data.dir=" + path("badglue") + " --quiet --out " + path("e"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, AllOf(HasSubstr("train.tsv:3"), HasSubstr("field")));
  // An unknown perturbation mode lists the valid ones.
  r = dcopt("finetune " + write("f.toml", finetune_config(pt, kScala)) +
            " --set perturbation.mode=fgsm --quiet --out " + path("f"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, AllOf(HasSubstr("fgsm"), HasSubstr("pga")));
}

}  // namespace
}  // namespace dcopt::train

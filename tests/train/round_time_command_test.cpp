// `dcopt round-time` end to end on a tiny ALBERT, 2 workers: the JSON's shape (K repeat means,
// R*K round times), the bits per worker against what the parameter layout implies for fp32,
// int8 and PowerSGD, the collectives of one round, the same bits and calls under mpirun, and
// bad input (exit 2, a message, no file).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/train/models/transformer_config.hpp"
#include "dcopt/train/text_model.hpp"
#include "dcopt/train/text_train_config.hpp"
#include "support/run_command.hpp"

namespace dcopt::train {
namespace {

namespace fs = std::filesystem;
using dcopt::testing::run_command;
using dcopt::testing::slurp;
using ::testing::HasSubstr;

// H=16, E=8, L=2 (one shared layer), a 64-piece vocabulary: 3384 parameters.
const char* kConfig = R"(seed = 3
workers = 2
[model]
name = "albert"
hidden = 16
embedding = 8
layers = 2
heads = 2
ffn = 32
max_positions = 32
[data]
task = "sst2"
max_len = 32
[tokenizer]
vocab_size = 64
[communication]
method = "allreduce"
)";

class RoundTime : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dcopt_round_time_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    config_ = (dir_ / "rt.toml").string();
    std::ofstream(config_) << kConfig;
    // The layout the command must have used: the config's model, built as the command builds it.
    const TextTrainConfig cfg =
        load_text_train_config(config_, TextCommand::pretrain, {}, DCOPT_SHARED_DATA);
    const TransformerConfig model = read_transformer_config(cfg.base.model, 64, 0);
    const TextModel net(model, cfg.base.seed);
    layout_ = net.flat().layout();
    dim_ = layout_.size();
    EXPECT_EQ(static_cast<std::int64_t>(dim_), model.parameter_count());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& p) const { return (dir_ / p).string(); }
  static std::string env() { return std::string("DCOPT_DATA_DIR='") + DCOPT_SHARED_DATA + "' "; }
  testing::CommandResult dcopt(const std::string& args) const {
    return run_command(env() + DCOPT_BINARY + " round-time " + config_ + " " + args);
  }
  testing::CommandResult dcopt_mpi(const std::string& args) const {
    return run_command(dcopt::testing::kMpiEnv + env() + "mpirun -np 2 --bind-to none " +
                       DCOPT_BINARY + " round-time " + config_ + " --backend mpi " + args);
  }
  // A run of R = 3 rounds, K = 2 repeats, W = 1 that must succeed; its JSON.
  nlohmann::json run(const std::string& args, bool mpi = false) const {
    const std::string out = path(mpi ? "mpi.json" : "threads.json");
    const std::string all = "--rounds 3 --repeats 2 --warmup 1 --out " + out + " " + args;
    const testing::CommandResult r = mpi ? dcopt_mpi(all) : dcopt(all);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("ms per round"));
    return nlohmann::json::parse(slurp(out));
  }
  // The exact size in bits of `codec`'s message for a vector of n entries.
  static std::uint64_t message_bits(const std::string& codec, std::size_t n) {
    Rng rng(1, Purpose::test);
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(1e-3 * rng.normal());
    return make_compressor(codec)->encode(std::span<const float>(v), rng).bits;
  }

  fs::path dir_;
  std::string config_;
  ParamLayout layout_;
  std::size_t dim_ = 0;
};

void expect_shape(const nlohmann::json& j) {
  EXPECT_EQ(j["rounds"], 3);
  EXPECT_EQ(j["repeats"], 2);
  EXPECT_EQ(j["warmup"], 1);
  EXPECT_EQ(j["workers"], 2);
  ASSERT_EQ(j["repeat_ms"].size(), 2u);
  ASSERT_EQ(j["round_ms_all"].size(), 6u);
  for (const auto& t : j["round_ms_all"]) EXPECT_GT(t.get<double>(), 0.0);
  // Each repeat's value is the mean of its 3 rounds; the summary is over the repeat means.
  const auto& all = j["round_ms_all"];
  const double first = (all[0].get<double>() + all[1].get<double>() + all[2].get<double>()) / 3;
  EXPECT_NEAR(j["repeat_ms"][0].get<double>(), first, 1e-12 * first);
  const double mean = (j["repeat_ms"][0].get<double>() + j["repeat_ms"][1].get<double>()) / 2;
  EXPECT_NEAR(j["round_ms"]["mean"].get<double>(), mean, 1e-12 * mean);
  EXPECT_GE(j["round_ms"]["std"].get<double>(), 0.0);
  EXPECT_LE(j["round_ms"]["min"].get<double>(), j["round_ms"]["max"].get<double>());
}

TEST_F(RoundTime, Fp32AllreduceIsOneAllreduceOfTheWholeGradient) {
  const nlohmann::json j = run("");
  expect_shape(j);
  EXPECT_EQ(j["params"], dim_);
  EXPECT_EQ(j["backend"], "threads");
  EXPECT_EQ(j["method"], "allreduce");
  EXPECT_EQ(j["communication"], nlohmann::json({{"method", "allreduce"}}));
  EXPECT_THAT(j["model"].get<std::string>(), HasSubstr("albert(H=16,E=8,L=2"));
  // 32 bits per entry and the identity codec's header.
  const std::uint64_t bits = message_bits("identity", dim_);
  EXPECT_GT(bits, 32 * dim_);
  EXPECT_LT(bits, 32 * dim_ + 64);
  EXPECT_EQ(j["bits_up_per_worker"], bits);
  ASSERT_EQ(j["collectives"].size(), 1u);
  EXPECT_EQ(j["collectives"][0]["kind"], "allreduce_sum_f32");
  EXPECT_EQ(j["collectives"][0]["bytes"], 4 * dim_);
}

TEST_F(RoundTime, Int8SendsTheCodecsEncodingOfTheGradient) {
  const nlohmann::json j = run("--set communication.codec=int8");
  expect_shape(j);
  const std::uint64_t bits = message_bits("int8", dim_);
  EXPECT_EQ(j["bits_up_per_worker"], bits);
  EXPECT_LT(bits, 9 * dim_);  // about a quarter of fp32
  ASSERT_EQ(j["collectives"].size(), 1u);
  // Every worker's message to every worker, decoded and averaged once (the server step).
  EXPECT_EQ(j["collectives"][0]["kind"], "allgather_combine");
  EXPECT_EQ(j["collectives"][0]["bytes"], (bits + 7) / 8);
}

TEST_F(RoundTime, PowerSgdSendsPAndQOfTheCompressedMatricesAndTheOtherTensorsDense) {
  const std::size_t rank = 2;
  const nlohmann::json j =
      run("--set communication.method=powersgd --set communication.rank=" + std::to_string(rank));
  expect_shape(j);
  // PyTorch's rule (min_compression_rate 2): a rows x cols matrix with r = min(rank, rows, cols)
  // is compressed iff rows*cols > 2 r (rows + cols); phase 0 sends P (rows x r) of each and
  // every other tensor, phase 1 Q (cols x r), both as identity fp32 messages.
  std::size_t phase0 = 0, phase1 = 0, compressed = 0;
  for (const ParamTensor& t : layout_.tensors()) {
    const std::size_t r = std::min({rank, t.rows(), t.cols()});
    if (t.is_matrix_like() && t.rows() * t.cols() > 2 * r * (t.rows() + t.cols())) {
      phase0 += t.rows() * r;
      phase1 += t.cols() * r;
      ++compressed;
    } else {
      phase0 += t.numel();
    }
  }
  ASSERT_GT(compressed, 0u);
  ASSERT_LT(phase0 + phase1, dim_);
  EXPECT_EQ(j["bits_up_per_worker"],
            message_bits("identity", phase0) + message_bits("identity", phase1));
  ASSERT_EQ(j["collectives"].size(), 2u);
  EXPECT_EQ(j["collectives"][0]["kind"], "allreduce_sum_f32");
  EXPECT_EQ(j["collectives"][0]["bytes"], 4 * phase0);
  EXPECT_EQ(j["collectives"][1]["kind"], "allreduce_sum_f32");
  EXPECT_EQ(j["collectives"][1]["bytes"], 4 * phase1);
}

TEST_F(RoundTime, MpiGivesTheSameBitsAndCollectivesAsThreads) {
  for (const std::string set : {"--set communication.codec=int8",
                                "--set communication.method=powersgd --set communication.rank=2"}) {
    SCOPED_TRACE(set);
    const nlohmann::json t = run(set);
    const nlohmann::json m = run(set, /*mpi=*/true);
    EXPECT_EQ(m["backend"], "mpi");
    expect_shape(m);
    EXPECT_EQ(m["bits_up_per_worker"], t["bits_up_per_worker"]);
    EXPECT_EQ(m["bits_down_per_worker"], t["bits_down_per_worker"]);
    EXPECT_EQ(m["collectives"], t["collectives"]);
    EXPECT_EQ(m["params"], t["params"]);
  }
}

TEST_F(RoundTime, BadInputIsRefusedWithAMessageAndNoFile) {
  const std::string out = path("bad.json");
  const auto zero = dcopt("--rounds 0 --out " + out);
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_THAT(zero.err, HasSubstr("--rounds"));
  const auto repeats = dcopt("--repeats 0 --out " + out);
  EXPECT_EQ(repeats.exit_code, 2);
  EXPECT_THAT(repeats.err, HasSubstr("--repeats"));
  const auto backend = dcopt("--backend fibers --out " + out);
  EXPECT_EQ(backend.exit_code, 2);
  EXPECT_THAT(backend.err, HasSubstr("--backend"));
  const auto key = dcopt("--set communication.rnak=8 --out " + out);
  EXPECT_EQ(key.exit_code, 2);
  EXPECT_THAT(key.err, HasSubstr("unknown key 'rnak'"));
  const auto method = dcopt("--set communication.method=nosuch --out " + out);
  EXPECT_EQ(method.exit_code, 2);
  EXPECT_THAT(method.err, HasSubstr("nosuch"));
  EXPECT_FALSE(fs::exists(out));
  // The control: the same command line with good values writes the file.
  const auto good = dcopt("--rounds 1 --repeats 1 --warmup 0 --out " + out);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_TRUE(fs::exists(out));
}

}  // namespace
}  // namespace dcopt::train

// `dcopt train` end to end: outputs, threads == MPI, resume across backends, and bad input
// (exit 2, a message naming the key or file and what is valid, nothing written).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/csv.hpp"
#include "support/run_command.hpp"
#include "train_fixture.hpp"

namespace dcopt::train {
namespace {

namespace fs = std::filesystem;
using dcopt::testing::run_command;
using dcopt::testing::slurp;

struct Scratch {
  fs::path dir;
  explicit Scratch(const std::string& name)
      : dir(fs::temp_directory_path() / ("dcopt_train_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string write(const std::string& file, const std::string& text) const {
    std::ofstream(dir / file) << text;
    return (dir / file).string();
  }
  std::string path(const std::string& p) const { return (dir / p).string(); }
};

std::string dcopt() { return std::string(DCOPT_BINARY) + " train "; }

// metrics.csv without its last column (wall time).
std::vector<std::string> metrics_without_wall(const std::string& file) {
  std::vector<std::string> out;
  std::stringstream ss(slurp(file));
  for (std::string line; std::getline(ss, line);) out.push_back(line.substr(0, line.rfind(',')));
  return out;
}

TEST(TrainCommand, WritesMetricsSummaryAndPlots) {
  Scratch s("outputs");
  const std::string cfg = s.write("run.toml", testing::base_config());
  const auto r = run_command(dcopt() + cfg + " --quiet --out " + s.path("out"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = metrics_without_wall(s.path("out/metrics.csv"));
  ASSERT_EQ(lines.size(), 5u);  // header + steps 0, 4, 8, 12
  EXPECT_EQ(lines[0],
            "epoch,step,train_loss,test_loss,test_acc,grad_norm_sq,bits_up,bits_down,sample_grads");
  EXPECT_EQ(dcopt::testing::split_csv(lines[4])[1], "12");
  const std::string summary = slurp(s.path("out/summary.json"));
  EXPECT_NE(summary.find("\"status\": \"finished\""), std::string::npos);
  EXPECT_NE(summary.find("\"fc1.weight\""), std::string::npos);
  EXPECT_NE(summary.find("\"step_split_ms\""), std::string::npos);
  EXPECT_TRUE(fs::exists(s.path("out/loss_vs_steps.png")));
  EXPECT_TRUE(fs::exists(s.path("out/accuracy_vs_bits.png")));
  EXPECT_NE(r.out.find("test accuracy"), std::string::npos);
}

TEST(TrainCommand, ThreadsAndMpiGiveIdenticalMetrics) {
  Scratch s("mpi");
  const std::string cfg =
      s.write("run.toml", testing::base_config() +
                              "method = \"marina\"\ncodec = \"randk:ratio=0.1\"\np = 0.3\n");
  const auto t = run_command(dcopt() + cfg + " --quiet --out " + s.path("threads"));
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto m =
      run_command(dcopt::testing::kMpiEnv + "mpirun -np 2 --bind-to none " + DCOPT_BINARY +
                  " train " + cfg + " --quiet --backend mpi --out " + s.path("mpi"));
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(metrics_without_wall(s.path("threads/metrics.csv")),
            metrics_without_wall(s.path("mpi/metrics.csv")));
}

// topology = "server" (docs/CLUSTER.md): rank 0 gathers, aggregates and broadcasts; the numbers
// are the allgather topology's, bit for bit, on threads and under mpirun.
TEST(TrainCommand, ServerTopologyGivesTheSameMetricsOnThreadsAndMpi) {
  Scratch s("topology");
  const std::string marina =
      s.write("marina.toml", testing::base_config() +
                                 "method = \"marina\"\ncodec = \"randk:ratio=0.1\"\np = 0.3\n");
  const std::string diana =
      s.write("diana.toml", testing::base_config() + "method = \"diana\"\ncodec = \"natural\"\n");
  for (const std::string& cfg : {marina, diana}) {
    const std::string name = fs::path(cfg).stem().string();
    const auto a = run_command(dcopt() + cfg + " --quiet --out " + s.path(name + "_a"));
    ASSERT_EQ(a.exit_code, 0) << a.err;
    const auto t =
        run_command(dcopt() + cfg + " --quiet --set topology=server --out " + s.path(name + "_s"));
    ASSERT_EQ(t.exit_code, 0) << t.err;
    const auto m = run_command(
        dcopt::testing::kMpiEnv + "mpirun -np 2 --bind-to none " + DCOPT_BINARY + " train " + cfg +
        " --quiet --backend mpi --set topology=server --out " + s.path(name + "_m"));
    ASSERT_EQ(m.exit_code, 0) << m.err;
    const auto expected = metrics_without_wall(s.path(name + "_a/metrics.csv"));
    EXPECT_EQ(expected.size(), 5u);
    EXPECT_EQ(expected, metrics_without_wall(s.path(name + "_s/metrics.csv"))) << name;
    EXPECT_EQ(expected, metrics_without_wall(s.path(name + "_m/metrics.csv"))) << name;
  }
}

TEST(TrainCommand, CheckpointFromThreadsResumesUnderMpiLikeAnUninterruptedRun) {
  Scratch s("resume");
  const std::string cfg = s.write("run.toml", testing::base_config() + "method = \"ef21\"\n");
  const auto whole = run_command(dcopt() + cfg + " --quiet --out " + s.path("whole"));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const auto halt = run_command(dcopt() + cfg + " --quiet --halt-after 5 --out " + s.path("part") +
                                " --checkpoint-dir " + s.path("ck"));
  ASSERT_EQ(halt.exit_code, 0) << halt.err;
  EXPECT_FALSE(fs::exists(s.path("part")));
  const auto rest = run_command(
      dcopt::testing::kMpiEnv + "mpirun -np 2 --bind-to none " + DCOPT_BINARY + " train " + cfg +
      " --quiet --backend mpi --resume " + s.path("ck") + " --out " + s.path("part"));
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_EQ(metrics_without_wall(s.path("whole/metrics.csv")),
            metrics_without_wall(s.path("part/metrics.csv")));
}

struct BadInput {
  const char* name;
  std::string set;      ///< --set arguments
  std::string message;  ///< must appear in stderr
};

class TrainCommandBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(TrainCommandBadInput, ExitsTwoNamingTheProblemAndWritesNothing) {
  Scratch s(GetParam().name);
  const std::string cfg = s.write("run.toml", testing::base_config());
  const auto r =
      run_command(dcopt() + cfg + " --quiet " + GetParam().set + " --out " + s.path("out"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(s.path("out")));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TrainCommandBadInput,
    ::testing::Values(
        BadInput{"model", "--set model.name=vgg", "valid: mlp, cnn, resnet18"},
        BadInput{"model_key", "--set model.depth=3", "depth"},
        BadInput{"optimizer", "--set optimizer.name=rmsprop", "rmsprop"},
        BadInput{"method", "--set communication.method=sparsegd", "sparsegd"},
        BadInput{"codec", "--set communication.codec=topk:ratio=2", "topk"},
        BadInput{"batch", "--set train.batch=300", "larger than worker 0's shard of 256"},
        BadInput{"dataset", "--set data.dir=/nonexistent/fmnist", "/nonexistent/fmnist"},
        BadInput{"shards", "--set data.shards=dirichlet", "valid: iid, label_skew"},
        BadInput{"key", "--set train.epoch=3", "epoch"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(TrainCommand, CheckpointOfAnotherConfigOrDamagedIsRejected) {
  Scratch s("badck");
  const std::string cfg = s.write("run.toml", testing::base_config());
  ASSERT_EQ(run_command(dcopt() + cfg + " --quiet --halt-after 2 --out " + s.path("a") +
                        " --checkpoint-dir " + s.path("ck"))
                .exit_code,
            0);
  auto r = run_command(dcopt() + cfg + " --quiet --set optimizer.lr=0.2 --resume " + s.path("ck") +
                       " --out " + s.path("b"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("another configuration"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(s.path("b")));
  // One flipped byte in the middle of the file.
  const fs::path file = fs::path(s.path("ck")) / "checkpoint.bin";
  std::string bytes = slurp(file.string());
  bytes[bytes.size() / 2] ^= 0x5a;
  std::ofstream(file, std::ios::binary) << bytes;
  r = run_command(dcopt() + cfg + " --quiet --resume " + s.path("ck") + " --out " + s.path("b"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("checkpoint.bin"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(s.path("b")));
}

}  // namespace
}  // namespace dcopt::train

namespace dcopt::train {
namespace {

// SIGINT during `dcopt train`: the run stops after the current step with metrics.csv and
// summary.json so far (status interrupted) and a checkpoint of that step, exits 130, and
// --resume then gives the uninterrupted run's metrics.
TEST(TrainCommand, SigintKeepsResultsAndResumesToTheUninterruptedRun) {
  Scratch s("sigint");
  // 1200 steps of the small MLP (a few seconds), so that the signal lands mid-run.
  const std::string cfg = s.write("run.toml", testing::base_config());
  const std::string sets =
      " --quiet --set train.steps=1200 --set train.eval_every=300 --set output.plots=false";
  const auto whole = run_command(dcopt() + cfg + sets + " --out " + s.path("whole"));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  // Started in the background; signalled once its first periodic checkpoint exists.
  const std::string ready = s.path("ck/checkpoint.bin");
  const std::string script = dcopt() + cfg + sets + " --checkpoint-every 100 --checkpoint-dir " +
                             s.path("ck") + " --out " + s.path("part") +
                             " & pid=$!; i=0; while [ ! -e " + ready +
                             " ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done; "
                             "kill -INT $pid; wait $pid; echo \"status $?\"";
  const auto r = run_command("sh -c '" + script + "'");
  if (r.out.find("status 0") != std::string::npos) {
    GTEST_FAIL() << "the run finished before the signal arrived; make it longer\n" << r.out;
  }
  ASSERT_NE(r.out.find("status 130"), std::string::npos) << r.out << r.err;
  const std::string summary = slurp(s.path("part/summary.json"));
  EXPECT_NE(summary.find("\"status\": \"interrupted\""), std::string::npos) << summary;
  ASSERT_TRUE(fs::exists(ready));
  const auto rest = run_command(dcopt() + cfg + sets + " --resume " + s.path("ck") + " --out " +
                                s.path("resumed"));
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_EQ(metrics_without_wall(s.path("whole/metrics.csv")),
            metrics_without_wall(s.path("resumed/metrics.csv")));
}

}  // namespace
}  // namespace dcopt::train

// End-to-end tests of stop requests (core/stop_request.hpp) on a real `dcopt run` process: SIGINT
// or SIGTERM ends the run after the current round with metrics.csv and summary.json so far (the
// running method `interrupted`, the later ones `not_started`), a checkpoint from which --resume
// gives the uninterrupted run's outputs, and exit code 130 / 143; a second signal exits at once
// and leaves what was written before intact.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/checkpoint.hpp"
#include "dcopt/experiment/checkpoint_file.hpp"
#include "support/csv.hpp"
#include "support/run_command.hpp"
#include "support/run_outputs.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::dcopt_binary;
using testing::metrics_without_wall_clock;
using testing::read_lines;
using testing::run_command;
using testing::slurp;
using testing::split_csv;
using testing::summary_without_wall_clock;

class RunInterrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dcopt_interrupt_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    // About a second of rounds after the first periodic checkpoint (round 50), two methods.
    cfg_ = dir_ / "slow.toml";
    std::ofstream(cfg_) << "name = \"slow\"\nseed = 3\nworkers = 4\n"
                           "[problem]\nkind = \"quadratic\"\ndim = 400\nrows = 800\n"
                           "[stop]\nmax_rounds = 1500\neval_every = 25\n"
                           "[[method]]\nname = \"diana\"\ncodec = \"randk:k=40\"\n"
                           "[[method]]\nname = \"gd\"\n"
                           "[output]\nplots = false\n";
    base_ = dcopt_binary() + " run " + cfg_.string() + " --quiet ";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Starts the run in the background, waits until `ready` exists (at most 60 s), sends the
  // signals (separated by `gap` seconds), and reports "status N" of the process on stdout.
  CommandResult signalled(const std::string& args, const fs::path& ready,
                          const std::vector<std::string>& signals, double gap = 0.0) {
    std::string kills;
    for (std::size_t i = 0; i < signals.size(); ++i) {
      if (i > 0 && gap > 0) kills += "sleep " + std::to_string(gap) + "; ";
      kills += "kill -" + signals[i] + " $pid; ";
    }
    const std::string script = base_ + args + " & pid=$!; i=0; while [ ! -e " + ready.string() +
                               " ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done; " + kills +
                               "wait $pid; echo \"status $?\"";
    return run_command("sh -c '" + script + "'");
  }

  // The run's outputs say it was interrupted after the round of its last metrics row.
  void expect_interrupted_outputs(const fs::path& out, const CommandResult& r) {
    std::ifstream f(out / "summary.json");
    const nlohmann::json s = nlohmann::json::parse(f);
    ASSERT_EQ(s["methods"].size(), 2u);
    EXPECT_EQ(s["methods"][0]["status"], "interrupted");
    EXPECT_EQ(s["methods"][1]["status"], "not_started");
    EXPECT_EQ(s["methods"][1]["rounds"], 0);
    const std::uint64_t rounds = s["methods"][0]["rounds"];
    EXPECT_GE(rounds, 50u);
    EXPECT_LT(rounds, 1500u);
    const auto lines = read_lines(out / "metrics.csv");
    ASSERT_GE(lines.size(), 3u);
    const auto header = split_csv(lines[0]);
    const auto last = split_csv(lines.back());
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == "round") {
        EXPECT_EQ(last.at(i), std::to_string(rounds)) << lines.back();
      }
    }
    EXPECT_NE(r.out.find("interrupted after round " + std::to_string(rounds) + " of method"),
              std::string::npos)
        << r.out;
  }

  // Every column of metrics.csv but wall_s, and summary.json but its wall-clock fields.
  static void expect_same_outputs(const fs::path& want, const fs::path& got) {
    const auto a = metrics_without_wall_clock(want / "metrics.csv");
    const auto b = metrics_without_wall_clock(got / "metrics.csv");
    ASSERT_GT(a.size(), 10u);
    ASSERT_EQ(a.size(), b.size()) << "rows differ in number";
    for (std::size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i], b[i]) << "first difference at line " << i + 1;
    }
    EXPECT_EQ(summary_without_wall_clock(want / "summary.json"),
              summary_without_wall_clock(got / "summary.json"));
  }

  fs::path dir_, cfg_;
  std::string base_;
};

TEST_F(RunInterrupt, SigintKeepsTheResultsSoFarAndResumesToTheUninterruptedRun) {
  const fs::path full = dir_ / "full", out = dir_ / "out";
  const fs::path ck = out.string() + ".checkpoint";
  ASSERT_EQ(run_command(base_ + "--out " + full.string()).exit_code, 0);
  const CommandResult r =
      signalled("--out " + out.string() + " --checkpoint-every 50", ck / "checkpoint.bin", {"INT"});
  ASSERT_NE(r.out.find("status 130"), std::string::npos)
      << "not stopped by SIGINT with 130 (finished too early?): " << r.out << r.err;
  expect_interrupted_outputs(out, r);
  const CommandResult resumed = run_command(base_ + "--out " + out.string() + " --resume " +
                                            ck.string() + " --checkpoint-every 50");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_same_outputs(full, out);
}

TEST_F(RunInterrupt, SigtermWritesTheDefaultCheckpointAndExits143) {
  const fs::path full = dir_ / "full", out = dir_ / "out";
  const fs::path ck = out.string() + ".checkpoint";
  ASSERT_EQ(run_command(base_ + "--out " + full.string()).exit_code, 0);
  // No periodic checkpoint to wait for: wait for the staging directory's metrics.csv (the
  // rounds have begun), then give the run a moment to be past a few evaluations.
  const std::string script = base_ + "--out " + out.string() + " & pid=$!; i=0; while ! ls -d " +
                             dir_.string() +
                             "/.out.tmp-*/metrics.csv >/dev/null 2>&1 && [ $i -lt 6000 ]; do "
                             "sleep 0.01; i=$((i+1)); done; sleep 0.3; kill -TERM $pid; wait "
                             "$pid; echo \"status $?\"";
  const CommandResult t = run_command("sh -c '" + script + "'");
  ASSERT_NE(t.out.find("status 143"), std::string::npos) << t.out << t.err;
  std::ifstream f(out / "summary.json");
  const nlohmann::json s = nlohmann::json::parse(f);
  EXPECT_EQ(s["methods"][0]["status"], "interrupted");
  ASSERT_TRUE(fs::exists(checkpoint_file(ck)));
  const CommandResult resumed =
      run_command(base_ + "--out " + out.string() + " --resume " + ck.string());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_same_outputs(full, out);
}

TEST_F(RunInterrupt, ASecondSignalExitsAtOnceLeavingEarlierOutputsIntact) {
  const fs::path out = dir_ / "out";
  const fs::path ck = out.string() + ".checkpoint";
  ASSERT_EQ(run_command(base_ + "--out " + out.string()).exit_code, 0);
  const std::string before = slurp((out / "summary.json").string());
  const auto before_rows = read_lines(out / "metrics.csv");
  const auto t0 = std::chrono::steady_clock::now();
  const CommandResult r = signalled("--out " + out.string() + " --checkpoint-every 50",
                                    ck / "checkpoint.bin", {"INT", "INT"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_NE(r.out.find("status 130"), std::string::npos) << r.out << r.err;
  EXPECT_LT(seconds, 30.0);
  // The output directory is the earlier complete run, or (if the first signal's writing won the
  // race) a complete interrupted one; never a mixture.
  const std::string after = slurp((out / "summary.json").string());
  if (after != before) {
    EXPECT_NE(after.find("\"interrupted\""), std::string::npos) << after;
    EXPECT_TRUE(nlohmann::json::accept(after));
  } else {
    EXPECT_EQ(read_lines(out / "metrics.csv"), before_rows);
  }
  // The checkpoint is a whole one (the periodic one or the interrupt's).
  const std::vector<std::uint8_t> bytes = read_checkpoint_file(ck);
  EXPECT_NO_THROW((void)decode_checkpoint(bytes, "checkpoint.bin"));
}

}  // namespace
}  // namespace dcopt

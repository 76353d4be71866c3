// A rank killed with SIGKILL in the middle of `dcopt run --backend mpi` (docs/RELIABILITY.md):
// mpirun ends the whole job within 30 s with a non-zero exit code, and nothing half-written
// appears: no output directory, and the last periodic checkpoint is still a whole one.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "dcopt/experiment/checkpoint.hpp"
#include "dcopt/experiment/checkpoint_file.hpp"
#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::dcopt_binary;
using testing::kMpiEnv;
using testing::run_command;

TEST(DeadRank, ASigkilledRankEndsTheMpiJobWithin30sLeavingNoOutput) {
  std::string tmpl = (fs::temp_directory_path() / "dcopt_dead_rank_test_XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  const fs::path cfg = dir / "slow.toml";
  // Several seconds of rounds after the first checkpoint (round 50).
  std::ofstream(cfg) << "name = \"slow\"\nseed = 3\nworkers = 4\n"
                        "[problem]\nkind = \"quadratic\"\ndim = 400\nrows = 800\n"
                        "[stop]\nmax_rounds = 20000\neval_every = 25\n"
                        "[[method]]\nname = \"diana\"\ncodec = \"randk:k=40\"\n"
                        "[output]\nplots = false\n";
  const fs::path out = dir / "out";
  const fs::path ck = out.string() + ".checkpoint";
  // mpirun starts the ranks as its children; the last one started is killed once the run has
  // written its first checkpoint. The script prints the job's exit status and the seconds from
  // the kill to the job's end.
  const std::string script =
      kMpiEnv + "mpirun --bind-to none -np 4 " + dcopt_binary() + " run " + cfg.string() +
      " --backend mpi --quiet --out " + out.string() +
      " --checkpoint-every 50 & pid=$!; i=0; while [ ! -f " + checkpoint_file(ck).string() +
      " ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done; "
      "victim=$(pgrep -P $pid | tail -n 1); t0=$(date +%s); kill -9 $victim; wait $pid; "
      "rc=$?; echo \"status $rc seconds $(( $(date +%s) - t0 ))\"";
  const auto start = std::chrono::steady_clock::now();
  const CommandResult r = run_command("sh -c '" + script + "'");
  const double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto at = r.out.find("status ");
  ASSERT_NE(at, std::string::npos) << r.out << r.err;
  int status = -1, seconds = -1;
  ASSERT_EQ(std::sscanf(r.out.c_str() + at, "status %d seconds %d", &status, &seconds), 2) << r.out;
  EXPECT_NE(status, 0) << "the job did not fail: " << r.out << r.err;
  EXPECT_GE(seconds, 0);
  EXPECT_LE(seconds, 30) << "the job took too long to end after the kill";
  EXPECT_LT(total, 120.0);
  EXPECT_FALSE(fs::exists(out)) << "a failed job must not leave an output directory";
  ASSERT_TRUE(fs::exists(checkpoint_file(ck)));
  EXPECT_NO_THROW((void)decode_checkpoint(read_checkpoint_file(ck), "checkpoint.bin"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dcopt

// A rank stopped with SIGSTOP in the middle of `dcopt run --backend mpi --collective-timeout 3`
// (docs/RELIABILITY.md): the other ranks' collective times out, one of them reports the
// collective, the round and the stopped rank, and MPI_Abort ends the job: within about 15 s,
// non-zero, no output directory.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "dcopt/experiment/checkpoint_file.hpp"
#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::dcopt_binary;
using testing::kMpiEnv;
using testing::run_command;

TEST(HungRank, ASigstoppedRankEndsTheMpiJobAfterTheCollectiveTimeoutNamingIt) {
  std::string tmpl = (fs::temp_directory_path() / "dcopt_hung_rank_test_XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  const fs::path cfg = dir / "slow.toml";
  // Many seconds of rounds after the first checkpoint (round 50).
  std::ofstream(cfg) << "name = \"slow\"\nseed = 3\nworkers = 3\n"
                        "[problem]\nkind = \"quadratic\"\ndim = 400\nrows = 600\n"
                        "[stop]\nmax_rounds = 200000\neval_every = 25\n"
                        "[[method]]\nname = \"diana\"\ncodec = \"randk:k=40\"\n"
                        "[output]\nplots = false\n";
  const fs::path out = dir / "out";
  const fs::path ck = out.string() + ".checkpoint";
  // The last rank mpirun started is stopped once the run has written its first checkpoint; a
  // watchdog kills everything after 90 s so that a failure of the promise cannot hang the test.
  // The script prints the stopped rank, the job's exit status and the seconds from the stop to
  // the job's end.
  const std::string script =
      kMpiEnv + "mpirun --bind-to none -np 3 " + dcopt_binary() + " run " + cfg.string() +
      " --backend mpi --quiet --collective-timeout 3 --out " + out.string() +
      " --checkpoint-every 50 & pid=$!; i=0; while [ ! -f " + checkpoint_file(ck).string() +
      " ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done; "
      "victim=$(pgrep -P $pid | tail -n 1); "
      "vrank=$(tr \"\\0\" \"\\n\" < /proc/$victim/environ | sed -n s/^OMPI_COMM_WORLD_RANK=//p); "
      "(sleep 90; kill -9 $victim $pid) >/dev/null 2>&1 & dog=$!; "
      "t0=$(date +%s); kill -STOP $victim; wait $pid; rc=$?; t1=$(date +%s); "
      "kill $dog 2>/dev/null; kill -9 $victim 2>/dev/null; "
      "echo \"victim $vrank status $rc seconds $(( t1 - t0 ))\"";
  const CommandResult r = run_command("sh -c '" + script + "'");
  const auto at = r.out.find("victim ");
  ASSERT_NE(at, std::string::npos) << r.out << r.err;
  int victim = -1, status = -1, seconds = -1;
  ASSERT_EQ(
      std::sscanf(r.out.c_str() + at, "victim %d status %d seconds %d", &victim, &status, &seconds),
      3)
      << r.out;
  ASSERT_GE(victim, 0);
  EXPECT_NE(status, 0) << "the job did not fail: " << r.out << r.err;
  EXPECT_LE(seconds, 15) << "the job took too long to end after the stop: " << r.err;
  std::string names = "but rank ";
  names += std::to_string(victim);
  names += " did not arrive";
  EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("timed out: rank "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("waited 3 s (collective timeout)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(", round "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(codec randk:k=40), round "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out)) << "a failed job must not leave an output directory";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dcopt

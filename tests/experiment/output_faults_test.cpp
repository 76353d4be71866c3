// Output faults of `dcopt run` (docs/RELIABILITY.md): an output directory that cannot be written
// (a read-only file system) or a disk that fills up while writing gives a clear error, exit
// code non-zero, the previous output left as it was and no temporary directory left behind; a
// second run on the same --out while the first one runs is refused, naming the first one's pid.
// The file systems are small tmpfs mounts made by the test (it runs as root here, as the MPI
// tests do; mount needs CAP_SYS_ADMIN).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::dcopt_binary;
using testing::run_command;

fs::path make_temp_dir(const char* name) {
  std::string tmpl = (fs::temp_directory_path() / name).string();
  tmpl += "_XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

std::string example() {
  std::string s = DCOPT_SOURCE_DIR;
  s += "/examples/quadratic_marina.toml";
  return s;
}

// Files and directories directly in `dir`, hidden ones included.
int entries(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(OutputFaults, AFullDiskFailsClearlyLeavingThePreviousOutputAndNoTemporaries) {
  const fs::path dir = make_temp_dir("dcopt_full_disk_test");
  ASSERT_FALSE(dir.empty());
  ASSERT_EQ(::geteuid(), 0u) << "this test mounts a tmpfs: run it as root";
  // 64 KB: room for one run's csv, summary and plot script (about 20 KB) but not for its three
  // plots (about 140 KB).
  ASSERT_EQ(::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k"), 0) << std::strerror(errno);
  const fs::path out = dir / "out";
  fs::create_directories(out);
  std::ofstream(out / "previous.txt") << "an earlier run's output\n";
  const CommandResult r =
      run_command(dcopt_binary() + " run " + example() + " --quiet --out " + out.string());
  const bool previous_intact = fs::exists(out / "previous.txt") && entries(out) == 1;
  const int left = entries(dir);  // out, nothing else (the lock file goes with the run)
  ::umount(dir.c_str());
  fs::remove_all(dir);
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("writing the outputs failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bytes free on that disk"), std::string::npos) << r.err;
  EXPECT_TRUE(previous_intact);
  EXPECT_EQ(left, 1) << "a temporary directory or the lock file was left behind";
}

// The same with a disk too full for metrics.csv itself (8 KB free; plots off, so gnuplot plays
// no part).
TEST(OutputFaults, ADiskTooFullForTheMetricsFailsClearlyLeavingNoTemporaries) {
  const fs::path dir = make_temp_dir("dcopt_full_disk_csv_test");
  ASSERT_FALSE(dir.empty());
  ASSERT_EQ(::geteuid(), 0u) << "this test mounts a tmpfs: run it as root";
  ASSERT_EQ(::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k"), 0) << std::strerror(errno);
  std::ofstream(dir / "filler") << std::string(56 * 1024, 'x');
  const fs::path out = dir / "out";
  const CommandResult r = run_command(dcopt_binary() + " run " + example() +
                                      " --set output.plots=false --quiet --out " + out.string());
  const int left = entries(dir);  // the filler
  ::umount(dir.c_str());
  fs::remove_all(dir);
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("metrics.csv: writing failed"), std::string::npos) << r.err;
  EXPECT_EQ(left, 1) << "a temporary directory or the lock file was left behind";
}

TEST(OutputFaults, AReadOnlyOutputDirectoryFailsClearlyAndWritesNothing) {
  const fs::path dir = make_temp_dir("dcopt_read_only_test");
  ASSERT_FALSE(dir.empty());
  ASSERT_EQ(::geteuid(), 0u) << "this test mounts a tmpfs: run it as root";
  ASSERT_EQ(::mount("tmpfs", dir.c_str(), "tmpfs", MS_RDONLY, "size=64k"), 0)
      << std::strerror(errno);
  const fs::path out = dir / "out";
  const CommandResult r =
      run_command(dcopt_binary() + " run " + example() + " --quiet --out " + out.string());
  const int left = entries(dir);
  ::umount(dir.c_str());
  fs::remove_all(dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(out.string()), std::string::npos) << r.err;
  EXPECT_EQ(left, 0);
}

TEST(OutputFaults, ASecondRunOnTheSameOutIsRefusedNamingTheFirstOnesPid) {
  const fs::path dir = make_temp_dir("dcopt_same_out_test");
  ASSERT_FALSE(dir.empty());
  const fs::path out = dir / "out";
  const std::string first = dcopt_binary() + " run " + example() +
                            " --set stop.max_rounds=200000 --set stop.target_grad_norm_sq=0 "
                            "--set output.plots=false --quiet --out " +
                            out.string();
  // The first run in the background (long enough to overlap), then the second one once the
  // first holds the lock (its lock file has its pid); the script prints both exit statuses.
  const std::string lock = (dir / ".out.lock").string();
  const std::string script = first + " >/dev/null 2>&1 & pid=$!; i=0; while [ ! -s " + lock +
                             " ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done; " +
                             dcopt_binary() + " run " + example() + " --quiet --out " +
                             out.string() +
                             "; second=$?; echo \"first $pid second $second\"; "
                             "kill -INT $pid; wait $pid; echo \"first status $?\"";
  const CommandResult r = run_command("sh -c '" + script + "'");
  int pid = -1, second = -1, first_status = -1;
  const auto at = r.out.find("first ");
  ASSERT_NE(at, std::string::npos) << r.out << r.err;
  ASSERT_EQ(std::sscanf(r.out.c_str() + at, "first %d second %d\nfirst status %d", &pid, &second,
                        &first_status),
            3)
      << r.out;
  EXPECT_EQ(second, 2) << r.err;
  std::string names = "another dcopt run (pid ";
  names += std::to_string(pid);
  names += ") is writing this output directory";
  EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
  // The first run, interrupted, still wrote its own complete results.
  EXPECT_EQ(first_status, 130);
  EXPECT_TRUE(fs::exists(out / "summary.json"));
  EXPECT_TRUE(fs::exists(out / "metrics.csv"));
  EXPECT_FALSE(fs::exists(lock)) << "the lock file goes when the run ends";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dcopt

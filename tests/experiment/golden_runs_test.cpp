// The golden runs of the estimator issue: four example experiments whose metrics were produced by
// the binary before the method core was reshaped (commit fa7ce1e, fp64) and are kept in
// tests/golden/*.csv without the wall-clock column. Every other column must stay identical, byte
// for byte (metrics.csv prints the shortest round-trip form, so equal text is equal doubles). A
// change that alters a number here alters the trajectory of a published comparison: if it is a
// bug fix, regenerate the file (scripts/golden-runs) and say which number changed and why.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/csv.hpp"
#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::dcopt_binary;
using testing::kMpiEnv;
using testing::run_command;
using testing::split_csv;

struct GoldenRun {
  std::string name;  ///< examples/<name>.toml and tests/golden/<name>.csv
  std::string sets;  ///< --set overrides
  int workers;       ///< the config's `workers` (the rank count under mpirun)
};

const std::vector<GoldenRun>& golden_runs() {
  static const std::vector<GoldenRun> runs = {
      {"quadratic_marina", "", 4},
      {"marina_vs_diana_mushrooms", "--set stop.max_rounds=2000", 5},
      {"vr_marina_vs_vr_diana_phishing", "--set stop.max_rounds=1000", 5},
      {"masha_bilinear", "--set stop.max_rounds=300", 10},
  };
  return runs;
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream f(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

// The CSV without its wall_s column, one joined line per row.
std::vector<std::string> without_wall_clock(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  if (lines.empty()) return out;
  const std::vector<std::string> header = split_csv(lines[0]);
  std::size_t wall = header.size();
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "wall_s") wall = i;
  }
  for (const std::string& line : lines) {
    std::vector<std::string> f = split_csv(line);
    std::string joined;
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (i == wall) continue;
      joined += (joined.empty() ? "" : "|") + f[i];
    }
    out.push_back(joined);
  }
  return out;
}

void expect_golden(const GoldenRun& run, const std::string& launcher, const std::string& backend) {
  const fs::path src = DCOPT_SOURCE_DIR;
  const fs::path golden = src / "tests" / "golden" / (run.name + ".csv");
  ASSERT_TRUE(fs::exists(golden)) << golden;
  std::string tmpl = (fs::temp_directory_path() / "dcopt_golden_XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path out = fs::path(tmpl) / run.name;
  const auto r = run_command(
      launcher + dcopt_binary() + " run " + (src / "examples" / (run.name + ".toml")).string() +
      " --out " + out.string() + " --quiet --set output.plots=false " + run.sets + backend);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto want = without_wall_clock(lines_of(golden));
  const auto got = without_wall_clock(lines_of(out / "metrics.csv"));
  fs::remove_all(tmpl);
  ASSERT_GT(want.size(), 1u);
  ASSERT_EQ(got.size(), want.size()) << "rows differ in number";
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i], want[i]) << run.name << ": first difference at line " << i + 1;
  }
}

TEST(GoldenRuns, ThreadsReproduceTheMetricsOfBeforeTheEstimatorCore) {
  for (const GoldenRun& run : golden_runs()) {
    SCOPED_TRACE(run.name);
    expect_golden(run, "", "");
  }
}

// In-process workers are fibers on a pool of threads: the numbers must not depend on how many.
// One thread (every worker on it), three (workers interleaved on each), and the default.
TEST(GoldenRuns, ThreadsReproduceTheMetricsWithAnyNumberOfPoolThreads) {
  for (const char* threads : {" --threads 1", " --threads 3"}) {
    for (const GoldenRun& run : golden_runs()) {
      SCOPED_TRACE(run.name + threads);
      expect_golden(run, "", threads);
    }
  }
}

TEST(GoldenRuns, MpiReproducesTheMetricsOfBeforeTheEstimatorCore) {
  // Two golden runs under mpirun (one per problem kind): the others take the same code paths.
  for (const GoldenRun& run : golden_runs()) {
    if (run.name != "quadratic_marina" && run.name != "masha_bilinear") continue;
    SCOPED_TRACE(run.name);
    expect_golden(run, kMpiEnv + "mpirun --bind-to none -np " + std::to_string(run.workers) + " ",
                  " --backend mpi");
  }
}

}  // namespace
}  // namespace dcopt

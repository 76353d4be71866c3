// Every config in examples/ runs end to end (20 rounds, no plots) and exits 0, so a broken
// example fails CI. Data an example needs must be present: a missing file fails the test (dcopt
// exits 2), nothing is skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::dcopt_binary;
using testing::run_command;
using testing::slurp;

TEST(Examples, EveryConfigRunsTwentyRounds) {
  std::vector<fs::path> configs;
  for (const auto& e : fs::directory_iterator(fs::path(DCOPT_SOURCE_DIR) / "examples")) {
    if (e.path().extension() == ".toml") configs.push_back(e.path());
  }
  std::sort(configs.begin(), configs.end());
  ASSERT_FALSE(configs.empty()) << "no examples/*.toml";

  std::string tmpl = (fs::temp_directory_path() / "dcopt_examples_test_XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  for (const fs::path& config : configs) {
    SCOPED_TRACE(config.string());
    const fs::path out = dir / config.stem();
    const auto r =
        run_command(dcopt_binary() + " run " + config.string() + " --out " + out.string() +
                    " --quiet --set stop.max_rounds=20 --set stop.eval_every=5"
                    " --set output.plots=false");
    EXPECT_EQ(r.exit_code, 0) << r.err;  // every config is tried, and the directory removed
    if (r.exit_code != 0) continue;
    const auto summary = nlohmann::json::parse(slurp((out / "summary.json").string()));
    EXPECT_FALSE(summary["methods"].empty());
    for (const auto& m : summary["methods"]) {
      EXPECT_NE(m["status"], "diverged") << m["label"];
      EXPECT_LE(m["rounds"].get<int>(), 20) << m["label"];
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dcopt

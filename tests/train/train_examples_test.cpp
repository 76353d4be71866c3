// Every config in examples/train/ trains end to end (3 steps on a few hundred images, no plots)
// and exits 0, so a broken example is caught here.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/run_command.hpp"

namespace dcopt::train {
namespace {

namespace fs = std::filesystem;

TEST(TrainExamples, EveryConfigTrainsThreeSteps) {
  std::vector<fs::path> configs;
  for (const auto& e : fs::directory_iterator(fs::path(DCOPT_SOURCE_DIR) / "examples" / "train")) {
    if (e.path().extension() == ".toml") configs.push_back(e.path());
  }
  std::sort(configs.begin(), configs.end());
  ASSERT_GE(configs.size(), 5u);
  const fs::path out = fs::temp_directory_path() / "dcopt_train_examples";
  for (const fs::path& c : configs) {
    fs::remove_all(out);
    const auto r = dcopt::testing::run_command(
        std::string(DCOPT_BINARY) + " train " + c.string() +
        " --quiet --set train.steps=3 --set train.eval_every=3 --set data.train_limit=1280"
        " --set data.test_limit=100 --set optimizer.warmup_steps=0 --set output.plots=false "
        "--out " +
        out.string());
    EXPECT_EQ(r.exit_code, 0) << c << "\n" << r.err;
    EXPECT_TRUE(fs::exists(out / "metrics.csv")) << c;
  }
  fs::remove_all(out);
}

}  // namespace
}  // namespace dcopt::train

// The output directory appears complete or not at all.
#include "dcopt/experiment/atomic_output.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dcopt/experiment/output_writer.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir() {
  std::string tmpl = (fs::temp_directory_path() / "dcopt_atomic_XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
  return tmpl;
}

TEST(AtomicOutput, AbandonedOutputLeavesNothingNotEvenCreatedParents) {
  const fs::path root = fresh_dir();
  const fs::path dest = root / "runs" / "deep" / "x";
  {
    AtomicOutputDir out(dest);
    std::ofstream(out.staging() / "metrics.csv") << "half";
    EXPECT_TRUE(fs::exists(out.staging() / "metrics.csv"));
    EXPECT_FALSE(fs::exists(dest));
  }  // an error unwinds here
  EXPECT_FALSE(fs::exists(root / "runs"));
  EXPECT_TRUE(fs::is_empty(root));
  fs::remove_all(root);
}

TEST(AtomicOutput, CommitMovesIntoPlaceAndReplaces) {
  const fs::path root = fresh_dir();
  const fs::path dest = root / "x";
  for (const char* content : {"first", "second"}) {
    AtomicOutputDir out(dest);
    std::ofstream(out.staging() / "f") << content;
    out.commit();
  }
  std::ifstream in(dest / "f");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "second");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(root)) ++entries;
  EXPECT_EQ(entries, 1u);  // no staging or old copies left
  fs::remove_all(root);
}

TEST(AtomicOutput, RunOutputsAbandonedMidRunLeaveNothing) {
  const fs::path root = fresh_dir();
  const fs::path dest = root / "run";
  ExperimentConfig cfg;
  cfg.methods.resize(1);
  cfg.methods[0].label = "gd";
  {
    OutputWriter w(cfg, dest, false);
    RunResult header;
    header.metric_names = {"grad_norm_sq", "mean_local_grad_norm_sq", "loss"};
    header.methods.resize(1);
    w.on_validated(header);
    w.on_method_start(0);
    MetricRow row;
    row.metrics = {1, 2, 3};
    w.on_row(row);
  }  // a worker failed: finish() never ran
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_TRUE(fs::is_empty(root));
  fs::remove_all(root);
}

TEST(AtomicOutput, RejectsAFileAsDestination) {
  const fs::path root = fresh_dir();
  std::ofstream(root / "file") << "x";
  EXPECT_ANY_THROW(AtomicOutputDir(root / "file"));
  fs::remove_all(root);
}

}  // namespace
}  // namespace dcopt

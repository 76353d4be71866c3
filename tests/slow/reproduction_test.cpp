// Slow reproduction checks (CTest label `slow`, excluded from scripts/test; run them with
// `ctest --test-dir build -L slow --output-on-failure`): the example configs of docs/RESULTS.md
// run in full and their headline numbers are checked against the papers' and the reference
// code's figures.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::dcopt_binary;
using testing::run_command;
using testing::slurp;

// Runs examples/<name>.toml into a fresh temporary directory; returns summary.json.
nlohmann::json run_example(const std::string& name, const std::string& extra = "") {
  std::string tmpl = (fs::temp_directory_path() / "dcopt_slow_XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  const fs::path out = fs::path(tmpl) / "out";
  auto r = run_command(dcopt_binary() + " run " + DCOPT_SOURCE_DIR + "/examples/" + name +
                       ".toml --quiet --out " + out.string() + " " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json s = nlohmann::json::parse(slurp((out / "summary.json").string()));
  fs::remove_all(tmpl);
  return s;
}

std::map<std::string, nlohmann::json> by_label(const nlohmann::json& summary) {
  std::map<std::string, nlohmann::json> m;
  for (const auto& method : summary["methods"]) m[method["label"].get<std::string>()] = method;
  return m;
}

TEST(Reproduction, MarinaReferenceCodeOnMushroomsAfter10000Rounds) {
  // ALGORITHMS.md §3.5 quotes the reference code's final true ||grad f||^2 after 10,000 rounds
  // to two significant digits; 5% covers that rounding (+-2%) and our remaining differences
  // (the reference's unseeded coin and its g^0 over all N rows).
  const std::map<std::string, double> reference = {{"MARINA K=1 (shared idx)", 2.4e-4},
                                                   {"MARINA K=5 (shared idx)", 3.5e-5},
                                                   {"MARINA K=10 (shared idx)", 1.3e-5},
                                                   {"DIANA-ref K=1", 6.1e-2},
                                                   {"DIANA-ref K=5", 8.3e-3},
                                                   {"DIANA-ref K=10", 2.2e-3}};
  auto methods = by_label(run_example("marina_reference_mushrooms"));
  for (const auto& [label, expected] : reference) {
    ASSERT_TRUE(methods.count(label)) << label;
    const auto& m = methods[label];
    EXPECT_EQ(m["rounds"], 10000) << label;
    const double got = m["final_metrics"]["grad_norm_sq"].get<double>();
    EXPECT_NEAR(got / expected, 1.0, 0.05) << label << ": " << got << " vs " << expected;
  }
}

TEST(Reproduction, MarinaBeatsDianaOnMushroomsInRoundsAndBits) {
  // The MARINA paper's Figure 1 (top row) claim, checked on 10,000 of the config's rounds: for
  // every K, MARINA ends lower than DIANA with fewer or comparable bits per worker.
  auto methods = by_label(run_example("marina_vs_diana_mushrooms", "--set stop.max_rounds=10000"));
  for (int k : {1, 5, 10}) {
    const std::string suffix = " K=" + std::to_string(k);
    ASSERT_TRUE(methods.count("MARINA" + suffix) && methods.count("DIANA" + suffix));
    const auto& marina = methods["MARINA" + suffix];
    const auto& diana = methods["DIANA" + suffix];
    EXPECT_LT(marina["final_metrics"]["grad_norm_sq"].get<double>(),
              0.1 * diana["final_metrics"]["grad_norm_sq"].get<double>())
        << "K=" << k;
  }
}

TEST(Reproduction, MashaConvergesWhereGdaTypeBaselinesStall) {
  // docs/RESULTS.md, lambda = 1: MASHA1 and MASHA2 reach ||z - z*||^2 <= 1e-10 with theory
  // stepsizes; compressed GDA, EF-GDA and quantized EG stall above 1e-4.
  auto methods = by_label(run_example("masha_bilinear"));
  int converged = 0, stalled = 0;
  for (const auto& [label, m] : methods) {
    const std::string name = m["name"].get<std::string>();
    const double dist = m["final_metrics"]["dist_sq"].get<double>();
    if (name == "masha1" || name == "masha2" || name == "eg") {
      EXPECT_LE(dist, 1e-10) << label;
      ++converged;
    }
    if (name == "qgda" || name == "ef_gda" || name == "qeg") {
      EXPECT_GT(dist, 1e-4) << label;
      ++stalled;
    }
  }
  EXPECT_GE(converged, 3);
  EXPECT_GE(stalled, 3);
}

TEST(Reproduction, GdaTypeMethodsDivergeOnThePureBilinearGame) {
  auto methods = by_label(run_example("masha_bilinear_monotone"));
  int diverged = 0;
  for (const auto& [label, m] : methods) {
    const std::string name = m["name"].get<std::string>();
    if (name == "gda") {
      EXPECT_EQ(m["status"], "diverged") << label;
      ++diverged;
    }
  }
  EXPECT_GE(diverged, 1);
}

}  // namespace
}  // namespace dcopt

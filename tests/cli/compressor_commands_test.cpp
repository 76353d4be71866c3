// End-to-end tests of `dcopt compressors` and `dcopt compressor-stats`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "dcopt/compress/registry.hpp"
#include "support/run_command.hpp"

namespace dcopt {
namespace {

using testing::dcopt_binary;
using testing::run_command;

TEST(Cli, VersionAndHelp) {
  auto v = run_command(dcopt_binary() + " --version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find(DCOPT_VERSION), std::string::npos);
  auto h = run_command(dcopt_binary() + " --help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("compressor-stats"), std::string::npos);
  EXPECT_NE(h.out.find("compressors"), std::string::npos);
}

TEST(Cli, CompressorsJsonListsTheWholeCatalog) {
  auto r = run_command(dcopt_binary() + " compressors --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), codec_catalog().size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    EXPECT_EQ(j[i]["name"], codec_catalog()[i].name);
    EXPECT_TRUE(j[i].contains("params"));
    EXPECT_TRUE(j[i]["at_dim"].contains("omega"));
  }
  auto text = run_command(dcopt_binary() + " compressors");
  EXPECT_EQ(text.exit_code, 0);
  for (const auto& info : codec_catalog()) EXPECT_NE(text.out.find(info.name), std::string::npos);
}

TEST(Cli, CompressorStatsConfirmsEveryCodecsDeclaredConstants) {
  for (const auto& info : codec_catalog()) {
    for (const auto& spec : info.examples) {
      auto r = run_command(dcopt_binary() + " compressor-stats '" + spec +
                           "' --dim 200 --trials 3000 --seed 3 --json");
      ASSERT_EQ(r.exit_code, 0) << spec << ": " << r.out << r.err;
      auto j = nlohmann::json::parse(r.out);
      for (const char* key :
           {"spec", "dim", "trials", "unbiased", "omega_declared", "delta_declared",
            "omega_measured", "bias_measured", "bias_noise_floor", "bits_mean"}) {
        EXPECT_TRUE(j.contains(key)) << key;
      }
      EXPECT_EQ(j["dim"], 200);
      EXPECT_EQ(j["trials"], 3000);
      EXPECT_TRUE(j["consistent"].get<bool>()) << spec << ": " << r.out;
      EXPECT_GT(j["bits_mean"].get<double>(), 0.0);
    }
  }
}

nlohmann::json compressor_stats(const std::string& spec, int trials) {
  auto r = run_command(dcopt_binary() + " compressor-stats '" + spec + "' --dim 50 --trials " +
                       std::to_string(trials) + " --seed 1 --json");
  EXPECT_EQ(r.exit_code, 0) << spec << ": " << r.out << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(Cli, CompressorStatsBiasShrinksWithTrialsAboveItsNoiseFloorOnlyIfBiased) {
  // bias_measured = ||mean_T Q(x) - x|| / ||x|| over all T trials. Unbiased codecs: its RMS
  // is the noise floor sqrt(V/T)/||x||, so 16x the trials divide both by about 4. Bounds:
  // <= 0.5x (1/sqrt(T) up to Monte-Carlo luck; measured 0.25x and 0.30x) and >= 0.1x
  // (it must not collapse to 0); the noise floor estimates sqrt(V)/||x|| from T d samples, so
  // its ratio is 1/4 within a few percent: [0.2, 0.3]; the bias is a chi variable (tens of
  // degrees of freedom: d = 50 coordinates weighted by x_j^2) around the floor: <= 3x is far out.
  for (const std::string spec : {"randk:k=2", "natural"}) {
    auto a = compressor_stats(spec, 1000);
    auto b = compressor_stats(spec, 16000);
    const double bias_a = a["bias_measured"].get<double>(),
                 bias_b = b["bias_measured"].get<double>();
    const double floor_a = a["bias_noise_floor"].get<double>();
    const double floor_b = b["bias_noise_floor"].get<double>();
    EXPECT_LE(bias_b, 0.5 * bias_a) << spec;
    EXPECT_GE(bias_b, 0.1 * bias_a) << spec;
    EXPECT_GE(floor_b, 0.2 * floor_a) << spec;
    EXPECT_LE(floor_b, 0.3 * floor_a) << spec;
    EXPECT_LE(bias_a, 3 * floor_a) << spec;
    EXPECT_LE(bias_b, 3 * floor_b) << spec;
    EXPECT_GT(floor_b, 0.0) << spec;
  }
  // TopK keeps the 5 largest of 50 Gaussian entries: E C(x) = C(x) != x, a bias of about 0.8
  // whatever T, while its noise floor is 0 (deterministic).
  for (int trials : {1000, 16000}) {
    auto t = compressor_stats("topk:k=5", trials);
    EXPECT_GT(t["bias_measured"].get<double>(), 0.5);
    EXPECT_GT(t["bias_measured"].get<double>(), 1e6 * t["bias_noise_floor"].get<double>());
  }
  // The text output prints the floor next to the bias; with one trial it is undefined.
  auto text = run_command(dcopt_binary() + " compressor-stats randk:k=2 --dim 50 --trials 100");
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("relative bias"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("bias noise floor"), std::string::npos) << text.out;
  EXPECT_TRUE(compressor_stats("randk:k=2", 1)["bias_noise_floor"].is_null());
}

TEST(Cli, BadSpecsAndValuesExitWithCode2AndSayWhatIsValid) {
  struct Case {
    std::string args;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"compressor-stats nosuch --dim 10", "valid codecs"},
      {"compressor-stats identity:precision=7 --dim 10", "precision"},
      {"compressor-stats identity --dim 0", "--dim"},
      {"compressor-stats identity --dim ten", "--dim"},
      {"compressor-stats identity", "--dim"},
      {"compressor-stats identity --dim 10 --trials 0", "--trials"},
      {"nosuchcommand", "nosuchcommand"},
  };
  for (const auto& info : codec_catalog()) {
    if (info.name == "topk") cases.push_back({"compressor-stats topk:ratio=1.5 --dim 10", "ratio"});
    if (info.name == "randk") cases.push_back({"compressor-stats randk:k=0 --dim 10", "k"});
  }
  for (const auto& c : cases) {
    auto r = run_command(dcopt_binary() + " " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << "\n" << r.err;
  }
}

}  // namespace
}  // namespace dcopt

namespace dcopt {
namespace {

TEST(Cli, CodecsDocShowsTheCurrentCatalog) {
  // docs/CODECS.md embeds `dcopt compressors`; regenerate it when the catalog changes.
  std::string doc = testing::slurp(std::string(DCOPT_SOURCE_DIR) + "/docs/CODECS.md");
  const std::string begin = "<!-- BEGIN dcopt compressors -->\n```text\n";
  const std::string end = "```\n<!-- END dcopt compressors -->";
  auto b = doc.find(begin);
  auto e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  std::string embedded = doc.substr(b + begin.size(), e - b - begin.size());
  auto r = run_command(dcopt_binary() + " compressors");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(embedded, r.out) << "docs/CODECS.md is out of date: regenerate its catalog block";
}

}  // namespace
}  // namespace dcopt

namespace dcopt {
namespace {

TEST(Cli, MethodsListsBothCatalogs) {
  auto r = run_command(dcopt_binary() + " methods --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  std::set<std::string> names;
  for (const auto& m : j) names.insert(m["name"].get<std::string>());
  for (const char* want : {"gd", "marina", "vr_marina", "pp_marina", "diana", "ef21", "eg",
                           "masha1", "masha2", "gda"}) {
    EXPECT_TRUE(names.count(want)) << want;
  }
  auto text = run_command(dcopt_binary() + " methods");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("masha1"), std::string::npos);
}

}  // namespace
}  // namespace dcopt

// End-to-end tests of `dcopt run` on a variational-inequality config (the bilinear game of the
// MASHA paper): the VI CSV columns, GDA's divergence on the pure bilinear game ending only that
// method, and identical metrics on the threads and MPI backends.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
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
using testing::slurp;
using testing::split_csv;

// lambda = 0, no box: the pure bilinear game, on which GDA diverges for every stepsize (its
// iteration map has eigenvalues of modulus sqrt(1 + gamma^2 sigma^2) > 1) and the
// extragradient-type methods converge. Small enough that the whole file runs in about a second.
const char* kViConfig = R"(
name = "vi_small"
seed = 3
workers = 4
[problem]
kind = "bilinear"
dim = 6
lambda = 0.0
[stop]
max_rounds = 400
eval_every = 2
[[method]]
name = "gda"
[[method]]
name = "eg"
[[method]]
name = "masha1"
codec = "natural_dithering"
[[method]]
name = "masha2"
codec = "topk:ratio=0.3"
[[method]]
name = "qeg"
codec = "natural"
[output]
plots = false
)";

class ViRun : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dcopt_vi_run_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    config_ = dir_ / "vi_small.toml";
    std::ofstream(config_) << kViConfig;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> lines(const fs::path& p) {
    std::vector<std::string> out;
    std::stringstream ss(slurp(p.string()));
    for (std::string l; std::getline(ss, l);) out.push_back(l);
    return out;
  }
  nlohmann::json summary(const fs::path& out) {
    return nlohmann::json::parse(slurp((out / "summary.json").string()));
  }

  fs::path dir_, config_;
};

TEST_F(ViRun, ViColumnsAndGdaDivergesOnThePureBilinearGameWhileTheOthersRun) {
  const fs::path out = dir_ / "out";
  auto r =
      run_command(dcopt_binary() + " run " + config_.string() + " --quiet --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto csv = lines(out / "metrics.csv");
  ASSERT_GT(csv.size(), 1u);
  EXPECT_EQ(csv[0],
            "method,codec,round,dist_sq,gap,bits_up,bits_down,oracle_calls,sample_grads,wall_s");
  // No box: the gap column is empty; every row has the 10 fields.
  for (std::size_t i = 1; i < csv.size(); ++i) {
    const auto f = split_csv(csv[i]);
    ASSERT_EQ(f.size(), 10u) << csv[i];
    EXPECT_EQ(f[4], "") << csv[i];
  }
  EXPECT_EQ(csv[1].rfind("gda,identity:precision=32,0,", 0), 0u) << csv[1];

  auto j = summary(out);
  EXPECT_EQ(j["problem"]["kind"], "bilinear");
  for (const char* k : {"L", "L_hat", "mu"}) {
    EXPECT_TRUE(j["problem"]["constants"][k].is_number()) << k;
  }
  EXPECT_EQ(j["problem"]["constants"]["mu"], 0.0);
  ASSERT_EQ(j["methods"].size(), 5u);
  const auto& gda = j["methods"][0];
  EXPECT_EQ(gda["status"], "diverged");
  EXPECT_LT(gda["rounds"].get<int>(), 400);
  EXPECT_NE(r.out.find("diverged"), std::string::npos) << r.out;
  // The methods after it ran their whole budget (or converged) and stayed finite; the
  // extragradient-type ones contract on this game.
  for (std::size_t i = 1; i < j["methods"].size(); ++i) {
    const auto& m = j["methods"][i];
    EXPECT_TRUE(m["status"] == "max_rounds" || m["status"] == "converged") << m["label"];
    EXPECT_TRUE(m["final_metrics"]["dist_sq"].is_number()) << m["label"];
    EXPECT_GT(m["cumulative"]["bits_up"].get<double>(), 0.0) << m["label"];
  }
  // Round 0 has the same dist_sq for every method (z^0 = 0); EG, MASHA1 and MASHA2 end well
  // below it (MASHA1's theory stepsize is small on a monotone game: it gets about 2.4x closer).
  const double d0 = std::stod(split_csv(csv[1])[3]);
  for (std::size_t i : {1u, 2u, 3u}) {
    EXPECT_LT(j["methods"][i]["final_metrics"]["dist_sq"].get<double>(), 0.6 * d0)
        << j["methods"][i]["label"];
  }
  EXPECT_LT(j["methods"][1]["final_metrics"]["dist_sq"].get<double>(), 1e-6 * d0);
  // MASHA's F(w^0) exchange is initialization cost, reported apart.
  EXPECT_GT(j["methods"][2]["init_cost"]["bits_up"].get<double>(), 0.0);
}

TEST_F(ViRun, ThreadsAndMpiGiveIdenticalMetrics) {
  const fs::path a = dir_ / "threads", b = dir_ / "mpi";
  auto r1 =
      run_command(dcopt_binary() + " run " + config_.string() + " --quiet --out " + a.string());
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  auto r2 = run_command(kMpiEnv + "mpirun -np 4 --oversubscribe " + dcopt_binary() + " run " +
                        config_.string() + " --quiet --backend mpi --out " + b.string());
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  auto strip_wall = [&](const fs::path& p) {
    std::string out;
    for (auto l : lines(p)) out += l.substr(0, l.rfind(',')) + "\n";
    return out;
  };
  const std::string ta = strip_wall(a / "metrics.csv"), tb = strip_wall(b / "metrics.csv");
  EXPECT_GT(ta.size(), 1000u);
  EXPECT_EQ(ta, tb);
  EXPECT_EQ(summary(b)["backend"], "mpi");
  EXPECT_EQ(summary(b)["methods"][0]["status"], "diverged");
}

}  // namespace
}  // namespace dcopt

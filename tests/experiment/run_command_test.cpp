// End-to-end tests of `dcopt run`: outputs, errors, stopping rules, divergence, atomic writes and
// identical metrics on the threads and MPI backends.
#include "support/run_command.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/csv.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::dcopt_binary;
using testing::kMpiEnv;
using testing::run_command;
using testing::slurp;
using testing::split_csv;

// A small quadratic problem: every run takes milliseconds.
const char* kConfig = R"(
name = "small"
seed = 5
workers = 4
[problem]
kind = "quadratic"
dim = 10
rows = 20
[stop]
max_rounds = 40
eval_every = 5
[[method]]
name = "gd"
[[method]]
name = "marina"
codec = "randk:k=3"
[output]
plots = false
)";

class RunCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dcopt_run_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    config_ = dir_ / "small.toml";
    std::ofstream(config_) << kConfig;
  }
  void TearDown() override { fs::remove_all(dir_); }

  testing::CommandResult run(const std::string& args, const std::string& env = "") {
    return run_command(env + " " + dcopt_binary() + " run " + config_.string() + " --quiet " +
                       args);
  }
  std::vector<std::string> lines(const fs::path& p) {
    std::vector<std::string> out;
    std::stringstream ss(slurp(p.string()));
    for (std::string l; std::getline(ss, l);) out.push_back(l);
    return out;
  }
  nlohmann::json summary(const fs::path& out) {
    return nlohmann::json::parse(slurp((out / "summary.json").string()));
  }
  // Every hidden staging directory (".name.tmp-...") must be gone too.
  bool no_leftovers() {
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().filename().string().rfind(".", 0) == 0) return false;
    }
    return true;
  }

  fs::path dir_, config_;
};

TEST_F(RunCommand, WritesMetricsWithTheExactColumnsAndASummary) {
  const fs::path out = dir_ / "out";
  auto r = run("--out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto csv = lines(out / "metrics.csv");
  ASSERT_FALSE(csv.empty());
  EXPECT_EQ(csv[0],
            "method,codec,round,grad_norm_sq,mean_local_grad_norm_sq,loss,bits_up,bits_down,"
            "oracle_calls,sample_grads,wall_s");
  // Rounds 0, 5, ..., 40 for both methods.
  EXPECT_EQ(csv.size(), 1u + 2u * 9u);
  EXPECT_EQ(csv[1].rfind("gd,identity:precision=32,0,", 0), 0u) << csv[1];
  // The codec column holds the canonical spec, quoted because it contains a comma.
  EXPECT_EQ(csv[10].rfind("marina randk:k=3,\"randk:k=3,precision=32\",0,", 0), 0u) << csv[10];
  for (std::size_t i = 1; i < csv.size(); ++i) {
    EXPECT_EQ(split_csv(csv[i]).size(), 11u) << csv[i];
  }

  auto j = summary(out);
  EXPECT_EQ(j["name"], "small");
  EXPECT_EQ(j["workers"], 4);
  EXPECT_EQ(j["backend"], "threads");
  EXPECT_EQ(j["config"]["stop"]["max_rounds"], 40);
  for (const char* k : {"L_f", "L_tilde", "L_samples", "mu"}) {
    EXPECT_TRUE(j["problem"]["constants"][k].is_number()) << k;
  }
  ASSERT_EQ(j["methods"].size(), 2u);
  for (const auto& m : j["methods"]) {
    for (const char* k : {"label", "name", "codec", "status", "rounds", "final_metrics",
                          "cumulative", "init_cost", "wall_s", "theory"}) {
      EXPECT_TRUE(m.contains(k)) << k;
    }
    EXPECT_EQ(m["status"], "max_rounds");
    EXPECT_EQ(m["rounds"], 40);
    EXPECT_TRUE(m["final_metrics"]["grad_norm_sq"].is_number());
    EXPECT_GT(m["cumulative"]["bits_up"].get<double>(), 0.0);
    EXPECT_TRUE(m["theory"]["parameters"]["gamma"].is_number());
    EXPECT_TRUE(m["theory"]["problem_constants"]["L_tilde"].is_number());
  }
  const auto& marina = j["methods"][1];
  EXPECT_EQ(marina["codec"], "randk:k=3,precision=32");
  EXPECT_TRUE(marina["theory"]["parameters"]["p"].is_number());
  // MARINA's g^0 exchange is its initialization cost, reported apart from the rounds.
  EXPECT_GT(marina["init_cost"]["bits_up"].get<double>(), 0.0);
  EXPECT_EQ(marina["init_cost"]["oracle_calls"], 1.0);
  EXPECT_EQ(j["methods"][0]["init_cost"]["bits_up"], 0.0);
  // GD's uplink is exactly the dense messages: the CSV's last row agrees with the summary.
  EXPECT_EQ(j["methods"][0]["cumulative"]["oracle_calls"], 40.0);
}

TEST_F(RunCommand, CodecColumnIsTheCanonicalSpecOfWhatTheWorkersSend) {
  // Not the word "default": a method without a codec key reports its default codec's canonical
  // spec, and GD (dense vectors, no codec key) the identity at its precision.
  std::ofstream(config_) << R"(
name = "codecs"
workers = 2
[problem]
kind = "quadratic"
dim = 10
rows = 20
[stop]
max_rounds = 2
[[method]]
name = "gd"
precision = 64
[[method]]
name = "marina"
[output]
plots = false
)";
  const fs::path out = dir_ / "out";
  auto r = run("--out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = summary(out);
  ASSERT_EQ(j["methods"].size(), 2u);
  EXPECT_EQ(j["methods"][0]["codec"], "identity:precision=64");
  EXPECT_EQ(j["methods"][1]["codec"], "randk:k=1,precision=32");
  auto csv = lines(out / "metrics.csv");
  ASSERT_EQ(csv.size(), 1u + 2u * 3u);  // rounds 0, 1, 2 of each
  EXPECT_EQ(split_csv(csv[1])[1], "identity:precision=64") << csv[1];
  EXPECT_EQ(split_csv(csv[4])[1], "randk:k=1,precision=32") << csv[4];
}

TEST_F(RunCommand, ErrorsExitWith2NameTheKeyAndCreateNothing) {
  struct Case {
    std::string args;
    std::vector<std::string> expected;
  };
  std::vector<Case> cases = {
      {"--set stop.max_round=3", {"unknown key 'max_round'"}},
      {"--set workers=four", {"workers", "expected an integer"}},
      {"--set method.1.p=1.5", {"[[method]] #1", "marina", "p = 1.5", "<= 1"}},
      {"--set method.1.p=0", {"[[method]] #1", "p = 0"}},
      {"--set method.1.codec=randk:k=50", {"[[method]] #1", "k=50", "d=10"}},
      {"--set method.0.gamma=fast", {"[[method]] #0", "gamma", "expected a number"}},
      {"--set method.0.name=adam", {"[[method]] #0", "unknown method 'adam'", "gd", "marina"}},
      {"--set method.0.colour=1", {"[[method]] #0", "unknown key 'colour'"}},
      {"--set problem.dim=0", {"[problem]", "dim", "1 <= dim"}},
  };
  for (const auto& c : cases) {
    const fs::path out = dir_ / "out";
    auto r = run("--out " + out.string() + " " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << ": " << r.err;
    for (const auto& e : c.expected) EXPECT_NE(r.err.find(e), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out)) << c.args;
    EXPECT_TRUE(no_leftovers()) << c.args;
    fs::remove_all(out);
  }
  // A missing data file names the key and where relative paths resolve.
  std::ofstream(dir_ / "logistic.toml")
      << "workers = 2\n[problem]\nkind = \"logistic\"\ndata = \"libsvm/no_such_file\"\n"
         "[[method]]\nname = \"gd\"\n";
  auto d = run_command(dcopt_binary() + " run " + (dir_ / "logistic.toml").string() + " --out " +
                       (dir_ / "out").string());
  EXPECT_EQ(d.exit_code, 2) << d.err;
  for (const char* e : {"[problem]", "data = \"libsvm/no_such_file\"", "no such file"}) {
    EXPECT_NE(d.err.find(e), std::string::npos) << d.err;
  }
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  // The default output directory runs/<name> is not created either.
  auto r = run_command("cd " + dir_.string() + " && " + dcopt_binary() + " run small.toml " +
                       "--quiet --set method.1.p=2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "runs"));
}

TEST_F(RunCommand, DivergenceEndsOnlyThatMethod) {
  const fs::path out = dir_ / "out";
  // GD at 10x its 1/L stepsize diverges on a quadratic; the methods after it still run.
  auto r = run("--out " + out.string() + " --set stop.eval_every=1 --set stop.max_rounds=200 " +
               "--set method.0.gamma_multiplier=10");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = summary(out);
  EXPECT_EQ(j["methods"][0]["status"], "diverged");
  EXPECT_LT(j["methods"][0]["rounds"].get<int>(), 200);
  EXPECT_EQ(j["methods"][1]["status"], "max_rounds");
  EXPECT_EQ(j["methods"][1]["rounds"], 200);
  EXPECT_NE(r.out.find("diverged"), std::string::npos);
}

TEST_F(RunCommand, EachStoppingRuleTriggers) {
  struct Case {
    std::string args;
    std::string status;
  };
  std::vector<Case> cases = {
      {"--set stop.max_rounds=7", "max_rounds"},
      {"--set stop.target_grad_norm_sq=1e-3 --set stop.max_rounds=100000", "converged"},
      {"--set stop.max_bits_per_worker=3000 --set stop.max_rounds=100000", "max_bits"},
      {"--set stop.wall_budget_s=1e-6 --set stop.max_rounds=100000000", "wall_budget"},
  };
  for (const auto& c : cases) {
    const fs::path out = dir_ / "out";
    fs::remove_all(out);
    auto r = run("--out " + out.string() + " --set stop.eval_every=1 " + c.args);
    ASSERT_EQ(r.exit_code, 0) << c.args << r.err;
    auto j = summary(out);
    for (const auto& m : j["methods"]) {
      EXPECT_EQ(m["status"], c.status) << c.args;
      if (c.status == "max_rounds") {
        EXPECT_EQ(m["rounds"], 7);
      }
      if (c.status == "converged") {
        EXPECT_LE(m["final_metrics"]["grad_norm_sq"].get<double>(), 1e-3);
      }
      if (c.status == "max_bits") {
        // Checked every round (eval_every = 1): stops at the first round past the limit.
        const double bits = m["cumulative"]["bits_up"].get<double>();
        EXPECT_GE(bits, 3000.0);
        EXPECT_LT(bits, 3000.0 + 10 * 64 + 64) << c.args;
      }
    }
  }
}

TEST_F(RunCommand, BitBudgetStopsAtTheExactRoundWhateverEvalEvery) {
  // GD sends one dense message per round, the same size every round: with eval_every = 1000 the
  // budget must still end the run at the first round whose cumulative uplink reaches it.
  const fs::path out = dir_ / "budget";
  auto r = run("--out " + out.string() +
               " --set stop.eval_every=1000 --set stop.max_rounds=100000"
               " --set stop.max_bits_per_worker=5000");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = summary(out);
  const auto& gd = j["methods"][0];
  ASSERT_EQ(gd["name"], "gd");
  EXPECT_EQ(gd["status"], "max_bits");
  const double bits = gd["cumulative"]["bits_up"].get<double>();
  const double rounds = gd["rounds"].get<double>();
  const double per_round = bits / rounds;
  EXPECT_GE(bits, 5000.0);
  EXPECT_LT(bits - per_round, 5000.0) << "one round earlier was still within the budget";
  for (const auto& m : j["methods"]) EXPECT_EQ(m["status"], "max_bits");
}

TEST_F(RunCommand, ThreadsAndMpiGiveIdenticalMetrics) {
  const fs::path a = dir_ / "threads", b = dir_ / "mpi";
  auto r1 = run("--out " + a.string());
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
  EXPECT_GT(ta.size(), 200u);
  EXPECT_EQ(ta, tb);
  EXPECT_EQ(summary(b)["backend"], "mpi");
  // Wrong number of ranks: a usage error, nothing written.
  const fs::path c = dir_ / "wrong";
  auto r3 = run_command(kMpiEnv + "mpirun -np 2 --oversubscribe " + dcopt_binary() + " run " +
                        config_.string() + " --quiet --backend mpi --out " + c.string());
  EXPECT_NE(r3.exit_code, 0);
  EXPECT_NE(r3.err.find("workers = 4 but 2 MPI ranks"), std::string::npos) << r3.err;
  EXPECT_FALSE(fs::exists(c));
}

TEST_F(RunCommand, SameSeedSameNumbersDifferentSeedDifferent) {
  auto r1 = run("--out " + (dir_ / "a").string());
  auto r2 = run("--out " + (dir_ / "b").string());
  auto r3 = run("--out " + (dir_ / "c").string() + " --set seed=6");
  ASSERT_EQ(r1.exit_code + r2.exit_code + r3.exit_code, 0);
  auto metric = [&](const fs::path& p) { return summary(p)["methods"][1]["final_metrics"]; };
  EXPECT_EQ(metric(dir_ / "a"), metric(dir_ / "b"));
  EXPECT_NE(metric(dir_ / "a"), metric(dir_ / "c"));
}

TEST_F(RunCommand, PlotsAreDrawnOrSkippedWithAWarning) {
  const fs::path out = dir_ / "out";
  auto r = run("--out " + out.string() + " --set output.plots=true");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"grad_norm_sq_vs_rounds.png", "grad_norm_sq_vs_bits.png",
                        "grad_norm_sq_vs_oracle_calls.png"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
    EXPECT_GT(fs::file_size(out / f), 1000u) << f;
  }
  const fs::path out2 = dir_ / "out2";
  auto r2 = run("--out " + out2.string() + " --set output.plots=true",
                "DCOPT_GNUPLOT=" + (dir_ / "no_gnuplot").string());
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_NE(r2.err.find("warning: gnuplot not found"), std::string::npos) << r2.err;
  EXPECT_TRUE(fs::exists(out2 / "metrics.csv"));
  EXPECT_FALSE(fs::exists(out2 / "grad_norm_sq_vs_rounds.png"));
}

TEST_F(RunCommand, AnEarlierRunIsReplacedOnlyBySuccess) {
  const fs::path out = dir_ / "out";
  ASSERT_EQ(run("--out " + out.string() + " --set stop.max_rounds=5").exit_code, 0);
  const std::string before = slurp((out / "metrics.csv").string());
  auto bad = run("--out " + out.string() + " --set method.1.p=7");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(slurp((out / "metrics.csv").string()), before);
  ASSERT_EQ(run("--out " + out.string() + " --set stop.max_rounds=10").exit_code, 0);
  EXPECT_NE(slurp((out / "metrics.csv").string()), before);
  EXPECT_TRUE(no_leftovers());
}

TEST_F(RunCommand, ProgressLineOnlyWithoutQuiet) {
  const fs::path out = dir_ / "out";
  // Long enough (> 1 s in all, the second method after the first second) for the progress line.
  auto r = run_command(dcopt_binary() + " run " + config_.string() + " --out " + out.string() +
                       " --set stop.wall_budget_s=0.7 --set stop.max_rounds=100000000" +
                       " --set stop.eval_every=1000");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("round "), std::string::npos);
  EXPECT_NE(r.err.find("wall_budget"), std::string::npos);
  fs::remove_all(out);
  auto q = run("--out " + out.string() + " --set stop.wall_budget_s=0.7" +
               " --set stop.max_rounds=100000000 --set stop.eval_every=1000");
  ASSERT_EQ(q.exit_code, 0);
  EXPECT_EQ(q.err, "");
}

TEST_F(RunCommand, PowerSgdRunsEndToEndWithAGivenStepsize) {
  // A convex run's vector is one 1-D tensor: PowerSGD sends it dense (one fp32 message of d
  // values per round) and follows GD at the same stepsize up to the rounding of its error
  // memory; without gamma it stops with the key to set.
  std::ofstream(config_) << R"(
name = "power"
seed = 5
workers = 3
[problem]
kind = "quadratic"
dim = 10
rows = 20
[stop]
max_rounds = 30
eval_every = 10
[[method]]
name = "powersgd"
gamma = 0.05
rank = 2
[[method]]
name = "gd"
gamma = 0.05
[output]
plots = false
)";
  const fs::path out = dir_ / "out";
  auto r = run("--out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = summary(out);
  const auto& power = j["methods"][0];
  const auto& gd = j["methods"][1];
  EXPECT_EQ(power["codec"],
            "powersgd(rank=2,start_iter=0,min_compression_rate=2,eps=0,ef=1,warm_start=1,seed=0)");
  EXPECT_EQ(power["status"], "max_rounds");
  EXPECT_EQ(power["theory"]["parameters"]["gamma"], 0.05);
  // Per round: the identity message of 10 fp32 values (GD's uplink); nothing comes down.
  EXPECT_EQ(power["cumulative"]["bits_up"], gd["cumulative"]["bits_up"]);
  EXPECT_EQ(power["cumulative"]["bits_down"], 0.0);
  const double p = power["final_metrics"]["grad_norm_sq"].get<double>();
  const double g = gd["final_metrics"]["grad_norm_sq"].get<double>();
  EXPECT_NEAR(p, g, 1e-3 * g);

  std::ofstream(config_) << R"(
name = "power"
workers = 2
[problem]
kind = "quadratic"
dim = 10
rows = 20
[stop]
max_rounds = 3
[[method]]
name = "powersgd"
)";
  auto bad = run("--out " + (dir_ / "bad").string());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("`gamma`"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace dcopt

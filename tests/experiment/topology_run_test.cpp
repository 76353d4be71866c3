// `topology = "server"` end to end: every method of the catalog, minimization and VI, gives the
// same metrics as the default allgather topology, bit for bit, on threads and under mpirun, while
// the communicator moves less (docs/CLUSTER.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::dcopt_binary;
using testing::kMpiEnv;
using testing::run_command;
using testing::slurp;

// Every minimization method, with compressed server codecs, partial participation, shared
// indices, both EF21 inits and PowerSGD's phases.
const char* kMinimization = R"(
name = "topology_min"
seed = 7
workers = 4
[problem]
kind = "quadratic"
dim = 12
rows = 24
[stop]
max_rounds = 30
eval_every = 3
[[method]]
name = "gd"
[[method]]
name = "dcgd"
codec = "randk:k=3"
[[method]]
name = "diana"
codec = "natural_dithering"
server_codec = "randk:k=6"
[[method]]
name = "vr_diana"
codec = "randk:k=3"
batch = 2
[[method]]
name = "ef"
codec = "topk:k=2"
[[method]]
name = "ef21"
codec = "topk:k=2"
init = "compressed"
[[method]]
name = "ef21"
label = "ef21 exact"
codec = "topk:k=2"
[[method]]
name = "powersgd"
gamma = 0.05
[[method]]
name = "marina"
codec = "randk:k=3"
p = 0.3
server_codec = "natural"
[[method]]
name = "marina"
label = "marina shared"
codec = "randk:k=3"
shared_indices = true
[[method]]
name = "vr_marina"
codec = "randk:k=3"
[[method]]
name = "vr_marina_online"
codec = "qsgd"
[[method]]
name = "pp_marina"
codec = "randk:k=3"
clients = 2
[output]
plots = false
)";

// Every VI method, with compressed server codecs (EF-GDA, MASHA2) and minibatches.
const char* kVi = R"(
name = "topology_vi"
seed = 3
workers = 4
[problem]
kind = "bilinear"
dim = 6
lambda = 1.0
matrices = "positive_definite"
[stop]
max_rounds = 30
eval_every = 3
[[method]]
name = "gda"
[[method]]
name = "qgda"
codec = "natural_dithering"
[[method]]
name = "ef_gda"
codec = "topk:ratio=0.3"
server_codec = "topk:ratio=0.5"
[[method]]
name = "eg"
[[method]]
name = "qeg"
codec = "natural"
[[method]]
name = "eg_vr"
batch = 1
[[method]]
name = "masha1"
codec = "natural_dithering"
batch = 1
[[method]]
name = "masha1"
label = "masha1 det"
codec = "randk:k=3"
[[method]]
name = "masha2"
codec = "topk:ratio=0.3"
server_codec = "topk:ratio=0.5"
[output]
plots = false
)";

class TopologyRun : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dcopt_topology_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    config_ = dir_ / "run.toml";
    std::ofstream(config_) << GetParam();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // metrics.csv without its last column (wall_s).
  std::string metrics(const fs::path& out) {
    std::stringstream ss(slurp((out / "metrics.csv").string()));
    std::string all;
    for (std::string l; std::getline(ss, l);) all += l.substr(0, l.rfind(',')) + "\n";
    return all;
  }
  fs::path run(const std::string& name, const std::string& launch, const std::string& args) {
    const fs::path out = dir_ / name;
    auto r = run_command(launch + dcopt_binary() + " run " + config_.string() + " --quiet --out " +
                         out.string() + " " + args);
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    return out;
  }

  fs::path dir_, config_;
};

TEST_P(TopologyRun, ServerTopologyGivesTheSameMetricsOnThreadsAndMpi) {
  const fs::path a = run("allgather", "", "");
  const fs::path s = run("server", "", "--set topology=server");
  const std::string mpi = kMpiEnv + "mpirun -np 4 --oversubscribe ";
  const fs::path m = run("mpi_server", mpi, "--backend mpi --set topology=server");
  const std::string ma = metrics(a);
  EXPECT_GT(ma.size(), 2000u);
  EXPECT_EQ(ma, metrics(s));
  EXPECT_EQ(ma, metrics(m));
  // The traffic is different, and the same on both backends for the same topology.
  const auto ja = nlohmann::json::parse(slurp((a / "summary.json").string()));
  const auto js = nlohmann::json::parse(slurp((s / "summary.json").string()));
  const auto jm = nlohmann::json::parse(slurp((m / "summary.json").string()));
  EXPECT_EQ(ja["topology"], "allgather");
  EXPECT_EQ(js["topology"], "server");
  EXPECT_EQ(jm["topology"], "server");
  ASSERT_EQ(ja["methods"].size(), js["methods"].size());
  for (std::size_t i = 0; i < ja["methods"].size(); ++i) {
    const auto& ma_i = ja["methods"][i];
    const auto& ms_i = js["methods"][i];
    EXPECT_EQ(ms_i["transport_bytes_sent"], jm["methods"][i]["transport_bytes_sent"]) << i;
    // PowerSGD's phases are dense, without a server step: they stay an allreduce.
    if (ma_i["name"] == "powersgd") {
      EXPECT_EQ(ma_i["transport_bytes_sent"], ms_i["transport_bytes_sent"]);
    } else {
      EXPECT_NE(ma_i["transport_bytes_sent"], ms_i["transport_bytes_sent"]) << ma_i["label"];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryMethod, TopologyRun, ::testing::Values(kMinimization, kVi),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.index == 0 ? "Minimization" : "Vi");
                         });

// The non-server ranks do not maintain the server's state (MARINA's g on the server, the
// server codec's input): a checkpoint under the server topology still resumes to the numbers of
// the uninterrupted run, and refuses a resume under the other topology.
TEST(TopologyCheckpoint, AServerTopologyRunResumesToTheSameNumbers) {
  const fs::path dir = fs::temp_directory_path() / "dcopt_topology_resume";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "m.toml") << R"(
seed = 4
workers = 3
topology = "server"
[problem]
kind = "quadratic"
dim = 9
rows = 12
[stop]
max_rounds = 30
eval_every = 2
[[method]]
name = "marina"
codec = "randk:k=2"
p = 0.2
server_codec = "natural"
[output]
plots = false
)";
  const std::string base = dcopt_binary() + " run " + (dir / "m.toml").string() + " --quiet ";
  const std::string ck = (dir / "ck").string();
  auto whole = run_command(base + "--out " + (dir / "whole").string());
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  auto halted = run_command(base + "--out " + (dir / "resumed").string() + " --checkpoint-dir " +
                            ck + " --halt-after 13");
  ASSERT_EQ(halted.exit_code, 0) << halted.err;
  auto other = run_command(base + "--out " + (dir / "other").string() + " --resume " + ck +
                           " --set topology=allgather");
  EXPECT_EQ(other.exit_code, 2) << other.err;
  EXPECT_NE(other.err.find("config hash"), std::string::npos) << other.err;
  auto resumed = run_command(base + "--out " + (dir / "resumed").string() + " --resume " + ck);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  auto strip = [](const fs::path& out) {
    std::stringstream ss(slurp((out / "metrics.csv").string()));
    std::string all;
    for (std::string l; std::getline(ss, l);) all += l.substr(0, l.rfind(',')) + "\n";
    return all;
  };
  EXPECT_GT(strip(dir / "whole").size(), 500u);
  EXPECT_EQ(strip(dir / "whole"), strip(dir / "resumed"));
  fs::remove_all(dir);
}

TEST(TopologyConfig, AnUnknownTopologyIsAUsageError) {
  const fs::path dir = fs::temp_directory_path() / "dcopt_topology_bad";
  fs::create_directories(dir);
  std::ofstream(dir / "bad.toml") << "workers = 2\ntopology = \"ring\"\n[problem]\nkind = "
                                     "\"quadratic\"\n[[method]]\nname = \"gd\"\n";
  auto r = run_command(dcopt_binary() + " run " + (dir / "bad.toml").string() + " --quiet --out " +
                       (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("topology = \"ring\""), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dcopt

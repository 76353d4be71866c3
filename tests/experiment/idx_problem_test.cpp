// IDX images (Fashion-MNIST) as the data of the dataset problems: the [problem] keys format,
// data, labels, positive, negative and max_rows; every bad value is a config error naming the
// key; an end-to-end `dcopt run` on the real t10k files. The data comes from Debian's
// dataset-fashion-mnist (scripts/setup installs it): a missing file fails these tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/experiment_config.hpp"
#include "dcopt/experiment/problem_source.hpp"
#include "support/csv.hpp"
#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;

const fs::path kFashion = "/usr/share/datasets/fashion-mnist";
const std::string kImages = (kFashion / "t10k-images-idx3-ubyte.gz").string();
const std::string kLabels = (kFashion / "t10k-labels-idx1-ubyte.gz").string();

// An experiment on the t10k set, T-shirt/top (0) vs shirt (6), with `extra` appended to
// [problem].
std::string config_text(const std::string& extra, const std::string& kind = "logistic") {
  return "workers = 4\n[problem]\nkind = \"" + kind + "\"\nformat = \"idx\"\ndata = \"" + kImages +
         "\"\nlabels = \"" + kLabels + "\"\n" + extra + "\n[[method]]\nname = \"gd\"\n";
}

std::unique_ptr<ProblemSource> source_of(const std::string& text,
                                         const std::vector<std::string>& overrides = {}) {
  ExperimentConfig c = parse_experiment_config(text, "f.toml", overrides);
  c.problem.data_root = kFashion;
  return make_problem_source(c.problem, c.workers, c.seed);
}

// The message of the InvalidArgument that building the problem throws ("" if none).
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    source_of(text, overrides);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(IdxProblem, TheFashionMnistFilesAreInstalled) {
  EXPECT_TRUE(fs::is_regular_file(kImages)) << kImages << " (scripts/setup installs it)";
  EXPECT_TRUE(fs::is_regular_file(kLabels)) << kLabels;
}

TEST(IdxProblem, OneVsOneOneVsRestAndMaxRows) {
  // t10k holds 1000 images of each of the 10 classes.
  EXPECT_EQ(source_of(config_text("positive = [0]\nnegative = [6]"))->describe(),
            "logistic on t10k-images-idx3-ubyte.gz, classes [0] vs [6] (2000 rows: 1000 +1 / "
            "1000 -1, 784 features), contiguous split over 4 workers, lambda=0");
  EXPECT_NE(source_of(config_text("positive = [0, 2]"), {"problem.lambda=0.5"})
                ->describe()
                .find("classes [0, 2] vs rest (10000 rows: 2000 +1 / 8000 -1, 784 features)"),
            std::string::npos);
  // An empty negative list is one-vs-rest too; a single integer is a list of one.
  EXPECT_NE(source_of(config_text("positive = 9\nnegative = []"))
                ->describe()
                .find("classes [9] vs rest (10000 rows: 1000 +1 / 9000 -1"),
            std::string::npos);
  // max_rows keeps the first rows of the task, bias adds one feature.
  const std::string head =
      source_of(config_text("positive = [0]\nnegative = [6]\nmax_rows = 300", "nonconvex_binary"))
          ->describe();
  EXPECT_NE(head.find("(300 rows: "), std::string::npos) << head;
  EXPECT_NE(head.find("784 features + bias)"), std::string::npos) << head;
  // Relative paths resolve against the data directory.
  EXPECT_NE(source_of(config_text("positive = [1]\nnegative = [7]"),
                      {"problem.data=t10k-images-idx3-ubyte.gz",
                       "problem.labels=t10k-labels-idx1-ubyte.gz"})
                ->describe()
                .find("(2000 rows: 1000 +1 / 1000 -1"),
            std::string::npos);
}

TEST(IdxProblem, WorkersGetTheirShards) {
  const auto source =
      source_of(config_text("positive = [0]\nnegative = [6]\nsplit = \"label_skew\"\nlambda = "
                            "0.01\nmax_rows = 400"));
  for (int rank = 0; rank < 4; ++rank) EXPECT_NE(source->make_worker(rank), nullptr);
}

TEST(IdxProblem, EveryBadValueNamesTheKeyAndWhatIsValid) {
  const std::string task = "positive = [0]\nnegative = [6]\n";
  struct Case {
    std::string extra;  // appended to [problem]
    std::vector<std::string> overrides;
    std::vector<std::string> expected;  // substrings of the message
  };
  const std::vector<Case> cases = {
      {task, {"problem.format=csv"}, {"[problem]", "format = \"csv\"", "valid: libsvm, idx"}},
      {task, {"problem.labels=\"\""}, {"missing key 'labels'", "IDX labels file"}},
      {task,
       {"problem.labels=no_such_labels.gz"},
       {"labels = \"no_such_labels.gz\"", "no such file", kFashion.string()}},
      {task, {"problem.data=/no/such/images"}, {"data = \"/no/such/images\"", "no such file"}},
      {"positive = [10]", {}, {"positive = [10]", "0 <= each entry <= 9"}},
      {"positive = [0]\nnegative = [-1]", {}, {"negative = [-1]", "0 <= each entry <= 9"}},
      {"negative = [6]", {}, {"missing key 'positive'", "0..9"}},
      {"positive = []", {}, {"positive = []", "at least one class"}},
      {"positive = [0, 6]\nnegative = [6]", {}, {"class 6 is in both", "disjoint"}},
      {"positive = [0, 0]", {}, {"positive = [0, 0]", "class 0 is listed twice"}},
      {"positive = \"0\"", {}, {"positive = \"0\"", "expected a list of integers"}},
      {task + "dim = 784", {}, {"dim applies to format = \"libsvm\" only"}},
      {task + "max_rows = 0", {}, {"max_rows = 0", "1 <= max_rows"}},
      {task + "max_rows = 2001", {}, {"max_rows = 2001", "only 2000 rows", "max_rows <= 2000"}},
      {task + "colour = 1", {}, {"unknown key 'colour'", "positive"}},
      {task, {"workers=3000"}, {"2000 rows, fewer than workers = 3000"}},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(config_text(c.extra), c.overrides);
    ASSERT_FALSE(msg.empty()) << c.extra;
    for (const auto& e : c.expected) EXPECT_NE(msg.find(e), std::string::npos) << msg;
  }
  // The IDX keys with a LibSVM file.
  for (const char* key : {"labels", "positive", "negative"}) {
    const std::string text = "workers = 2\n[problem]\nkind = \"logistic\"\ndata = \"x\"\n" +
                             std::string(key) + " = [1]\n[[method]]\nname = \"gd\"\n";
    const std::string msg = error_of(text);
    EXPECT_NE(msg.find(std::string(key) + " applies to format = \"idx\" only"), std::string::npos)
        << msg;
  }
  // Another problem kind knows none of them.
  EXPECT_NE(error_of("workers = 2\n[problem]\nkind = \"quadratic\"\npositive = [1]\n"
                     "[[method]]\nname = \"gd\"\n")
                .find("unknown key 'positive'"),
            std::string::npos);
  // Images and labels swapped: the reader names the file.
  EXPECT_THROW(
      source_of(config_text(task), {"problem.data=" + kLabels, "problem.labels=" + kImages}),
      DataError);
}

class IdxRun : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dcopt_idx_run_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  testing::CommandResult run(const std::string& text, const fs::path& out) {
    const fs::path config = dir_ / "fashion.toml";
    std::ofstream(config) << text;
    return testing::run_command(testing::dcopt_binary() + " run " + config.string() + " --out " +
                                out.string() + " --quiet");
  }
  fs::path dir_;
};

TEST_F(IdxRun, SummaryDescribesTheFashionMnistTask) {
  const std::string text =
      "workers = 5\nseed = 3\n[problem]\nkind = \"nonconvex_binary\"\nformat = \"idx\"\n"
      "data = \"" +
      kImages + "\"\nlabels = \"" + kLabels +
      "\"\npositive = [0]\nnegative = [6]\nsplit = \"random\"\nlambda = 1e-3\n"
      "[stop]\nmax_rounds = 5\n[[method]]\nname = \"gd\"\n[[method]]\nname = \"marina\"\n"
      "codec = \"randk_shared:k=40\"\n[output]\nplots = false\n";
  const fs::path out = dir_ / "out";
  const auto r = run(text, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(testing::slurp((out / "summary.json").string()));
  EXPECT_EQ(summary["problem"]["description"],
            "nonconvex_binary on t10k-images-idx3-ubyte.gz, classes [0] vs [6] (2000 rows: 1000 "
            "+1 / 1000 -1, 784 features + bias), random split over 5 workers, lambda=0.001");
  EXPECT_EQ(summary["config"]["problem"]["positive"], nlohmann::json::array({0}));
  ASSERT_EQ(summary["methods"].size(), 2u);
  for (const auto& m : summary["methods"]) {
    EXPECT_EQ(m["status"], "max_rounds") << m["label"];
    EXPECT_EQ(m["rounds"], 5) << m["label"];
    // d = 785 = 784 pixels + bias: a GD message is d fp32 values after a 24-bit header (codec
    // id, 8 bits, and d as a LEB128 varint, two 7-bit groups).
    if (m["name"] == "gd") {
      EXPECT_DOUBLE_EQ(m["cumulative"]["bits_up"].get<double>(), 5 * (785 * 32.0 + 24));
    }
  }
  // Five GD rounds on a smooth loss from x = 0 decrease it.
  const std::string metrics = testing::slurp((out / "metrics.csv").string());
  EXPECT_EQ(metrics.rfind("method,codec,round,grad_norm_sq,mean_local_grad_norm_sq,loss,", 0), 0u);
  const std::string first_gd = metrics.substr(metrics.find("\ngd,") + 1);
  const double loss0 = std::stod(testing::split_csv(first_gd.substr(0, first_gd.find('\n')))[5]);
  EXPECT_LT(summary["methods"][0]["final_metrics"]["loss"].get<double>(), loss0);
}

TEST_F(IdxRun, ABadClassExitsWith2AndWritesNothing) {
  const std::string text =
      "workers = 2\n[problem]\nkind = \"logistic\"\nformat = \"idx\"\n"
      "data = \"" +
      kImages + "\"\nlabels = \"" + kLabels +
      "\"\npositive = [0]\nnegative = [12]\n[[method]]\nname = \"gd\"\n";
  const fs::path out = dir_ / "out";
  const auto r = run(text, out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("negative = [12]: 12 out of range; valid: 0 <= each entry <= 9"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace dcopt

// Parsing experiment files: defaults, overrides, labels and every class of error.
#include "dcopt/experiment/experiment_config.hpp"

#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

const char* kBase = R"(
name = "t"
seed = 7
workers = 3
[problem]
kind = "quadratic"
dim = 10
[stop]
max_rounds = 50
target_grad_norm_sq = 1e-8
[[method]]
name = "gd"
[[method]]
name = "marina"
codec = "randk:k=2"
gamma = 0.5
)";

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_experiment_config(text, "t.toml", overrides);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(ExperimentConfig, ReadsEveryTable) {
  ExperimentConfig c = parse_experiment_config(kBase, "t.toml");
  EXPECT_EQ(c.name, "t");
  EXPECT_EQ(c.seed, 7u);
  EXPECT_EQ(c.workers, 3);
  EXPECT_EQ(c.problem.kind, "quadratic");
  EXPECT_EQ(c.problem.family, ProblemFamily::minimization);
  EXPECT_TRUE(c.problem.settings.has("dim"));
  EXPECT_FALSE(c.problem.settings.has("kind"));
  EXPECT_EQ(c.stop.max_rounds, 50u);
  EXPECT_EQ(c.stop.eval_every, 1u);
  ASSERT_TRUE(c.stop.target.has_value());
  EXPECT_DOUBLE_EQ(*c.stop.target, 1e-8);
  EXPECT_FALSE(c.stop.max_bits_per_worker.has_value());
  ASSERT_EQ(c.methods.size(), 2u);
  EXPECT_EQ(c.methods[0].label, "gd");
  EXPECT_EQ(c.methods[1].label, "marina randk:k=2");
  EXPECT_EQ(c.methods[1].index, 1u);
  EXPECT_TRUE(c.methods[1].settings.has("gamma"));
  EXPECT_FALSE(c.methods[1].settings.has("name"));
  EXPECT_TRUE(c.output.plots);
  EXPECT_NE(c.echo_json.find("\"workers\""), std::string::npos);
}

TEST(ExperimentConfig, OverridesByDottedPath) {
  ExperimentConfig c = parse_experiment_config(
      kBase, "t.toml",
      {"stop.max_rounds=100", "method.1.gamma=0.25", "workers=5", "method.1.codec=randk:k=3",
       "output.plots=false", "stop.wall_budget_s = 2", "problem.dim=12"});
  EXPECT_EQ(c.stop.max_rounds, 100u);
  EXPECT_EQ(c.workers, 5);
  EXPECT_FALSE(c.output.plots);
  EXPECT_DOUBLE_EQ(*c.stop.wall_budget_s, 2.0);
  Settings m = c.methods[1].settings;
  EXPECT_DOUBLE_EQ(m.number("gamma", 0), 0.25);
  EXPECT_EQ(m.string("codec", ""), "randk:k=3");  // a bare word is a string
  EXPECT_EQ(c.methods[1].label, "marina randk:k=3");
  Settings p = c.problem.settings;
  EXPECT_EQ(p.integer("dim", 0), 12);
  EXPECT_NE(c.echo_json.find("0.25"), std::string::npos);  // the echo shows what ran
}

TEST(ExperimentConfig, DuplicateDefaultLabelsAreMadeUniqueExplicitOnesRejected) {
  std::string text = std::string(kBase) + "[[method]]\nname = \"gd\"\n";
  ExperimentConfig c = parse_experiment_config(text, "t.toml");
  EXPECT_EQ(c.methods[2].label, "gd #2");
  std::string dup = std::string(kBase) + "[[method]]\nname = \"gd\"\nlabel = \"gd\"\n";
  EXPECT_NE(error_of(dup).find("label"), std::string::npos);
}

TEST(ExperimentConfig, ErrorsNameTheKeyAndWhatIsValid) {
  struct Case {
    std::vector<std::string> overrides;
    std::vector<std::string> expected;  // substrings of the message
  };
  std::vector<Case> cases = {
      {{"stop.max_round=3"}, {"[stop]", "unknown key 'max_round'", "max_rounds"}},
      {{"workers=\"four\""}, {"workers", "expected an integer"}},
      {{"workers=0"}, {"workers", "1 <= workers <= 4096"}},
      {{"stop.eval_every=0"}, {"eval_every", "1 <= eval_every"}},
      {{"problem.kind=cubic"},
       {"kind", "cubic", "logistic, nonconvex_binary, quadratic, bilinear"}},
      {{"stop.target_dist_sq=1e-3"}, {"target_dist_sq", "target_grad_norm_sq"}},
      {{"colour=1"}, {"unknown key 'colour'"}},
      {{"output.plot=true"}, {"[output]", "unknown key 'plot'"}},
      {{"method.5.gamma=1"}, {"index 5 out of range", "0 <= index < 2"}},
      {{"method.0.gamma=[1, 2]"},
       {"[[method]] #0", "gamma", "expected a number, string or boolean"}},
      {{"name=a/b"}, {"name", "no '/'"}},
      {{"stop"}, {"expected key=value"}},
  };
  for (const auto& c : cases) {
    std::string msg = error_of(kBase, c.overrides);
    ASSERT_FALSE(msg.empty()) << c.overrides[0];
    for (const auto& e : c.expected) EXPECT_NE(msg.find(e), std::string::npos) << msg;
  }
  EXPECT_NE(error_of("workers = 2\n[[method]]\nname=\"gd\"\n").find("missing table [problem]"),
            std::string::npos);
  EXPECT_NE(error_of("[problem]\nkind=\"quadratic\"\n[[method]]\nname=\"gd\"\n").find("workers"),
            std::string::npos);
  EXPECT_NE(error_of("workers = 2\n[problem]\nkind=\"quadratic\"\n").find("[[method]]"),
            std::string::npos);
  // TOML syntax errors carry line and column.
  EXPECT_NE(error_of("workers = = 2\n").find("t.toml:1:"), std::string::npos);
}

TEST(ExperimentConfig, ProblemTableTakesListsOfIntegersOnly) {
  // The IDX classes: arrays of integers reach the problem's Settings, anything else is an error.
  ExperimentConfig c =
      parse_experiment_config(kBase, "t.toml", {"problem.positive=[0, 6]", "problem.negative=[]"});
  Settings p = c.problem.settings;
  EXPECT_EQ(p.optional_integer_list("positive", 0, 9), (std::vector<std::int64_t>{0, 6}));
  EXPECT_EQ(p.optional_integer_list("negative", 0, 9), std::vector<std::int64_t>{});
  EXPECT_EQ(p.optional_integer_list("absent", 0, 9), std::nullopt);
  for (const char* bad :
       {"problem.positive=[0, 1.5]", "problem.positive=[\"a\"]", "problem.positive=[[1]]"}) {
    const std::string msg = error_of(kBase, {bad});
    EXPECT_NE(msg.find("positive: expected a number, string, boolean or array of integers"),
              std::string::npos)
        << bad << ": " << msg;
  }
  // A list where a scalar is expected, and a scalar out of a list's range, name the key.
  Settings q("[problem] in t.toml");
  q.set("dim", std::vector<std::int64_t>{1, 2});
  q.set("positive", std::int64_t{12});
  try {
    (void)q.integer("dim", 0);
    ADD_FAILURE() << "a list read as an integer";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("dim = [1, 2]: expected an integer"), std::string::npos)
        << e.what();
  }
  try {
    (void)q.optional_integer_list("positive", 0, 9);
    ADD_FAILURE() << "12 accepted as a class";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("positive = 12: 12 out of range; valid: 0 <= each entry "
                                         "<= 9"),
              std::string::npos)
        << e.what();
  }
}

TEST(ExperimentConfig, VariationalInequalityUsesDistanceTarget) {
  ExperimentConfig c = parse_experiment_config(
      "workers = 2\n[problem]\nkind = \"bilinear\"\n[stop]\ntarget_dist_sq = 1e-9\n"
      "[[method]]\nname = \"eg\"\n",
      "vi.toml");
  EXPECT_EQ(c.problem.family, ProblemFamily::variational_inequality);
  EXPECT_DOUBLE_EQ(*c.stop.target, 1e-9);
  EXPECT_EQ(c.name, "vi");  // defaults to the file's stem
  EXPECT_NE(error_of("workers = 2\n[problem]\nkind = \"bilinear\"\n[stop]\n"
                     "target_grad_norm_sq = 1\n[[method]]\nname = \"eg\"\n")
                .find("use target_dist_sq"),
            std::string::npos);
}

}  // namespace
}  // namespace dcopt

// The [problem] table's dataset keys that need the data to resolve: reference_lambda.
#include "dcopt/experiment/problem_source.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

ProblemConfig mushrooms(const std::string& kind) {
  ProblemConfig p;
  p.kind = kind;
  p.settings = Settings("[problem] in test.toml");
  p.settings.set("data", std::string("libsvm/mushrooms"));
  p.data_root = DCOPT_SHARED_DATA;
  return p;
}

TEST(ProblemSource, ReferenceLambdaIsTheMarinaCodes) {
  ProblemConfig p = mushrooms("nonconvex_binary");
  p.settings.set("reference_lambda", true);
  const auto source = make_problem_source(p, 5, 0);
  // 1e-6 * 0.15405 * max ||a_j||^2 with the bias feature: every mushrooms row has 21 ones.
  EXPECT_NE(source->describe().find(fmt::format("lambda={}", 1e-6 * 0.15405 * 22)),
            std::string::npos)
      << source->describe();
}

TEST(ProblemSource, ReferenceLambdaExcludesLambdaAndNeedsTheNonconvexLoss) {
  ProblemConfig both = mushrooms("nonconvex_binary");
  both.settings.set("reference_lambda", true);
  both.settings.set("lambda", 0.5);
  EXPECT_THROW(make_problem_source(both, 5, 0), InvalidArgument);
  ProblemConfig logistic = mushrooms("logistic");
  logistic.settings.set("reference_lambda", true);
  EXPECT_THROW(make_problem_source(logistic, 5, 0), InvalidArgument);
}

}  // namespace
}  // namespace dcopt

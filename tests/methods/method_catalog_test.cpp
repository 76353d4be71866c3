// The method catalog tells the truth: the keys each entry declares (and that docs/CONFIG.md shows,
// generated from them) are exactly the keys its factories read beyond the common ones; every
// minimization method has estimators for fp64 and fp32; unknown keys and names are rejected by the
// catalog itself; docs/CONFIG.md embeds the current table.
#include "dcopt/methods/method_catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/methods/minimization/problem_constants.hpp"
#include "dcopt/methods/vi/vi_constants.hpp"
#include "dcopt/problems/bilinear_game.hpp"
#include "dcopt/problems/quadratic.hpp"
#include "methods/method_harness.hpp"
#include "support/run_command.hpp"

namespace dcopt {
namespace {

const std::set<std::string> kCommon = {"codec", "server_codec", "precision", "gamma",
                                       "gamma_multiplier"};

std::set<std::string> declared(const MethodInfo& m) {
  std::set<std::string> out;
  for (const auto& k : m.keys) out.insert(k.key);
  return out;
}

std::set<std::string> beyond_common(const Settings& s) {
  std::set<std::string> out;
  for (const auto& k : s.read_keys()) {
    if (!kCommon.count(k)) out.insert(k);
  }
  return out;
}

// No settings but `gamma` for a method without a theory stepsize (a common key).
Settings defaults_of(const MethodInfo& m) {
  Settings s("test");
  if (!m.theory_stepsize) s.set("gamma", 0.1);
  return s;
}

// Builds `m` with no settings (every default) and returns what the method factory read.
std::set<std::string> keys_read_by_method(const MethodInfo& m) {
  std::set<std::string> keys;
  if (m.family == ProblemFamily::minimization) {
    const QuadraticSpec q = testing::heterogeneous_quadratic(2);
    run_threads(2, [&](Communicator& comm) {
      WorkerContext ctx{comm, 1};
      const QuadraticObjective f = make_quadratic_worker(q, static_cast<std::size_t>(ctx.rank()));
      const ProblemConstants c = gather_constants(ctx, f);
      Settings s = defaults_of(m);
      make_minimization_method(m.name, s, {f, c, std::vector<double>(f.dim(), 0.0)});
      if (ctx.rank() == 0) keys = beyond_common(s);
    });
    return keys;
  }
  BilinearGameParams p;
  p.dim = 4;
  p.num_devices = 2;
  p.num_terms = 3;
  p.seed = 5;
  const BilinearGame game(p);
  const CompositeTerm h{};
  run_threads(2, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1};
    const auto op = game.make_operator(static_cast<std::size_t>(ctx.rank()));
    const ViConstants c =
        gather_vi_constants(ctx, *op, h, ViHints{game.lipschitz(), game.strong_monotonicity()});
    Settings s("test");
    make_vi_method(m.name, s, {*op, h, c, std::vector<double>(game.dim(), 0.0)});
    if (ctx.rank() == 0) keys = beyond_common(s);
  });
  return keys;
}

TEST(MethodCatalog, DeclaredKeysAreExactlyTheKeysTheFactoriesRead) {
  ASSERT_EQ(method_catalog().size(), 19u);
  for (const MethodInfo& m : method_catalog()) {
    SCOPED_TRACE(m.name);
    EXPECT_EQ(keys_read_by_method(m), declared(m));
    if (m.family != ProblemFamily::minimization) continue;
    // The estimator alone reads a subset of the method's keys (not the stepsize rules).
    Settings s("test");
    StreamPlan streams;
    auto est =
        make_estimator<float>(m.name, s, EstimatorSetup{10, 2, 40, 40, std::nullopt}, streams);
    ASSERT_NE(est, nullptr);
    for (const auto& k : beyond_common(s)) EXPECT_TRUE(declared(m).count(k)) << k;
  }
}

TEST(MethodCatalog, DefaultCodecIsWhatTheMethodReportsAndDenseMethodsRejectACodec) {
  const QuadraticSpec q = testing::heterogeneous_quadratic(1);
  run_threads(1, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1};
    const QuadraticObjective f = make_quadratic_worker(q, 0);
    const ProblemConstants c = gather_constants(ctx, f);
    for (const MethodInfo& m : method_catalog()) {
      if (m.family != ProblemFamily::minimization) continue;
      SCOPED_TRACE(m.name);
      Settings s = defaults_of(m);
      auto method = make_minimization_method(m.name, s, {f, c, std::vector<double>(f.dim(), 0)});
      if (m.default_codec.empty()) {
        // A dense method reports the identity; one with its own scheme (PowerSGD) its spec.
        if (m.own_codec.empty()) {
          EXPECT_EQ(method->codec(), "identity:precision=32");
        } else {
          EXPECT_EQ(method->codec().rfind(m.name + "(", 0), 0u) << method->codec();
        }
        Settings with_codec = defaults_of(m);
        with_codec.set("codec", std::string("randk:k=1"));
        EXPECT_THROW(
            make_minimization_method(m.name, with_codec, {f, c, std::vector<double>(f.dim(), 0)}),
            InvalidArgument);
      } else {
        EXPECT_EQ(method->codec().rfind(m.default_codec, 0), 0u) << method->codec();
      }
    }
  });
}

TEST(MethodCatalog, UnknownKeysNamesAndFamiliesAreRejectedByTheCatalog) {
  const QuadraticSpec q = testing::heterogeneous_quadratic(1);
  run_threads(1, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1};
    const QuadraticObjective f = make_quadratic_worker(q, 0);
    const ProblemConstants c = gather_constants(ctx, f);
    const MinimizationSetup setup{f, c, std::vector<double>(f.dim(), 0)};
    Settings typo("method 1");
    typo.set("shared_indicez", true);
    try {
      make_minimization_method("marina", typo, setup);
      ADD_FAILURE() << "a typo was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("shared_indicez"), std::string::npos) << e.what();
    }
    Settings est_typo("train");
    est_typo.set("alpah", 0.5);
    StreamPlan streams;
    EXPECT_THROW(make_estimator<float>("diana", est_typo, c.estimator_setup(), streams),
                 InvalidArgument);
    Settings s("method 2");
    try {
      make_minimization_method("masha1", s, setup);
      ADD_FAILURE() << "a VI method was built for a minimization problem";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("variational_inequality method"), std::string::npos)
          << e.what();
    }
    EXPECT_THROW(make_minimization_method("marinna", s, setup), InvalidArgument);
    // A method without a theory stepsize asks for gamma instead of inventing one.
    for (const MethodInfo& m : method_catalog()) {
      if (m.family != ProblemFamily::minimization || m.theory_stepsize) continue;
      Settings no_gamma("method 3");
      try {
        make_minimization_method(m.name, no_gamma, setup);
        ADD_FAILURE() << m.name << " ran without gamma";
      } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("`gamma`"), std::string::npos) << e.what();
      }
    }
  });
}

TEST(MethodCatalog, ConfigDocShowsTheCurrentKeyTable) {
  // docs/CONFIG.md embeds `dcopt methods --keys`; regenerate it when the catalog changes.
  const std::string doc = testing::slurp(std::string(DCOPT_SOURCE_DIR) + "/docs/CONFIG.md");
  const std::string begin = "<!-- BEGIN dcopt methods --keys -->\n";
  const std::string end = "<!-- END dcopt methods --keys -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), method_keys_markdown())
      << "docs/CONFIG.md is out of date: replace its method-key block with `dcopt methods --keys`";
  const auto r = testing::run_command(testing::dcopt_binary() + " methods --keys");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, method_keys_markdown());
}

}  // namespace
}  // namespace dcopt

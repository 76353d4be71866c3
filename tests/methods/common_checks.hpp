#pragma once
// Checks shared by the per-method test files.
#include <gtest/gtest.h>

#include <string>

#include "dcopt/core/error.hpp"
#include "method_harness.hpp"

namespace dcopt::testing {

/// Constructing `method` with `s` on one worker of the heterogeneous quadratic (n = 5 workers'
/// constants) throws InvalidArgument whose message contains every string in `needles`.
inline void expect_invalid(const std::string& method, const Settings& s,
                           std::initializer_list<std::string> needles) {
  QuadraticSpec q = heterogeneous_quadratic(5);
  QuadraticObjective f = make_quadratic_worker(q, 0);
  ProblemConstants c;
  c.dim = f.dim();
  c.workers = 5;
  c.L_f = c.L_tilde = c.L_max = f.smoothness();
  c.L_samples = f.mean_sample_smoothness();
  c.m_min = c.m_max = f.num_samples();
  MinimizationSetup setup{f, c, vec::Vec(f.dim(), 0.0)};
  Settings copy = s;
  try {
    auto m = make_minimization_method(method, copy, setup);
    copy.reject_unused();
    FAIL() << method << ": expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    for (const auto& needle : needles) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "message '" << e.what() << "' lacks '" << needle << "'";
    }
  }
}

/// Same seed: bit-identical iterates; another seed: different ones (the method uses randomness).
inline void expect_deterministic(const std::string& method, const Settings& s,
                                 const QuadraticSpec& q) {
  RunOptions run;
  run.max_rounds = 60;
  RunResult a = run_method(method, s, q, run);
  RunResult b = run_method(method, s, q, run);
  run.seed = 2;
  RunResult c = run_method(method, s, q, run);
  EXPECT_TRUE(a.replicas_identical);
  EXPECT_TRUE(same_bits(a, b)) << method << ": same seed, different iterates";
  EXPECT_FALSE(same_bits(a, c)) << method << ": different seeds, same iterates";
}

/// Runs `method` with its theory stepsize to ||grad f||^2 < 1e-10 within `max_rounds`; prints
/// the number of rounds (for the report) and returns the run.
inline RunResult expect_converges(const std::string& method, const Settings& s,
                                  const QuadraticSpec& q, int max_rounds, int workers = 5) {
  RunOptions run;
  run.workers = workers;
  run.max_rounds = max_rounds;
  run.tol = 1e-10;
  run.record_iterates = false;
  RunResult r = run_method(method, s, q, run);
  EXPECT_LT(r.grad_norm_sq.back(), 1e-10)
      << method << " did not reach 1e-10 in " << max_rounds << " rounds";
  EXPECT_TRUE(r.replicas_identical);
  std::cout << "[ rounds   ] " << method << " n=" << workers << ": " << r.rounds
            << " rounds to ||grad f||^2 < 1e-10, gamma = " << r.parameters["gamma"] << "\n";
  return r;
}

/// With the identity codec at 64 bits and GD's stepsize, `method` reproduces GD's iterates over
/// 50 rounds to round-off. Bitwise equality is impossible in general: e.g. MARINA forms
/// g^k + (a - b) where GD forms a, and (g + (a - b)) != a in floating point.
inline void expect_reduces_to_gd(const std::string& method, Settings s, int workers = 5,
                                 bool set_gamma = true) {
  QuadraticSpec q = heterogeneous_quadratic(workers);
  RunOptions run;
  run.workers = workers;
  RunResult gd = run_method("gd", dense64({}), q, run);
  if (set_gamma) s.set("gamma", gd.parameters["gamma"]);
  RunResult m = run_method(method, s, q, run);
  EXPECT_EQ(m.parameters["gamma"], gd.parameters["gamma"]);
  // 1e-12: 50 rounds of a contraction accumulate a few hundred ulps at most.
  expect_same_trajectory(m, gd, 1e-12);
  // The trajectory is not trivially constant (the comparison could otherwise not fail).
  EXPECT_GT(vec::dist2_sq(gd.iterates.front(), gd.iterates.back()), 1e-6);
}

}  // namespace dcopt::testing

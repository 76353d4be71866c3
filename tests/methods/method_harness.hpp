#pragma once
// Runs a minimization method on n worker threads over the synthetic quadratic and records what
// the tests check: worker 0's iterates, every worker's step costs, the global ||grad f||^2 per
// round, and whether all replicas stayed bit-identical.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/settings.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/method_catalog.hpp"
#include "dcopt/methods/minimization/problem_constants.hpp"
#include "dcopt/problems/quadratic.hpp"

namespace dcopt::testing {

/// Heterogeneous least squares: grad f_i(x*) != 0 (methods with shifts/differences only).
inline QuadraticSpec heterogeneous_quadratic(int n, std::uint64_t seed = 7) {
  QuadraticSpec q;
  q.workers = static_cast<std::size_t>(n);
  q.rows = 40;
  q.dim = 10;
  q.rho = 1e-2;
  q.noise = 0.1;
  q.heterogeneity = 0.5;
  q.seed = seed;
  return q;
}

/// Interpolating least squares (b_i = A_i x_true, rho = 0, no noise, no drift): every
/// grad f_ij(x_true) = 0, the only setting where DCGD, EF and sampled-gradient methods can reach
/// the exact solution.
inline QuadraticSpec interpolating_quadratic(int n, std::uint64_t seed = 7) {
  QuadraticSpec q = heterogeneous_quadratic(n, seed);
  q.rho = 0.0;
  q.noise = 0.0;
  q.heterogeneity = 0.0;
  return q;
}

struct RunOptions {
  int workers = 5;
  int max_rounds = 50;
  /// Stop when ||grad f(x^k)||^2 < tol (< 0: run max_rounds).
  double tol = -1.0;
  std::uint64_t seed = 1;
  bool record_iterates = true;
};

struct RunResult {
  /// iterates[k] = worker 0's x^k (k = 0 is after init()).
  std::vector<vec::Vec> iterates;
  /// costs[w][k-1] = worker w's cost of round k; init_costs[w] its init cost.
  std::vector<std::vector<StepCost>> costs;
  std::vector<StepCost> init_costs;
  /// ||grad f(x^k)||^2, k = 0..rounds.
  std::vector<double> grad_norm_sq;
  int rounds = 0;
  bool replicas_identical = true;
  std::map<std::string, double> parameters;
};

inline RunResult run_method(const std::string& method, const Settings& settings,
                            const QuadraticSpec& spec, const RunOptions& run) {
  const int n = run.workers;
  QuadraticSpec q = spec;
  q.workers = static_cast<std::size_t>(n);
  RunResult out;
  out.costs.resize(static_cast<std::size_t>(n));
  out.init_costs.resize(static_cast<std::size_t>(n));
  std::mutex mu;
  run_threads(n, [&](Communicator& comm) {
    WorkerContext ctx{comm, run.seed};
    const int me = comm.rank();
    QuadraticObjective f = make_quadratic_worker(q, static_cast<std::size_t>(me));
    ProblemConstants c = gather_constants(ctx, f);
    MinimizationSetup setup{f, c, vec::Vec(f.dim(), 0.0)};
    Settings s = settings;  // Settings records reads: one copy per thread
    std::unique_ptr<Method> m = make_minimization_method(method, s, setup);
    s.reject_unused();
    std::vector<StepCost> costs;
    std::vector<vec::Vec> iterates;
    std::vector<double> norms;
    vec::Vec grad(f.dim()), check(f.dim());
    StepCost init_cost = m->init(ctx);
    bool identical = true;
    auto observe = [&]() {
      // Global ||grad f||^2 (metered traffic of the harness, not the method's), and the replica
      // check: every worker compares its iterate's bytes with rank 0's.
      f.gradient(m->iterate(), grad);
      comm.allreduce_sum(grad);
      vec::scale(1.0 / n, grad);
      norms.push_back(vec::norm2_sq(grad));
      Bytes mine(m->iterate().size() * sizeof(double));
      std::memcpy(mine.data(), m->iterate().data(), mine.size());
      comm.broadcast(mine, 0);
      if (std::memcmp(mine.data(), m->iterate().data(), mine.size()) != 0) identical = false;
      if (me == 0 && run.record_iterates) {
        iterates.emplace_back(m->iterate().begin(), m->iterate().end());
      }
    };
    observe();
    int k = 0;
    while (k < run.max_rounds && !(run.tol > 0 && norms.back() < run.tol)) {
      ++k;
      costs.push_back(m->step(ctx, static_cast<std::uint64_t>(k)));
      observe();
    }
    std::lock_guard<std::mutex> lock(mu);
    out.costs[static_cast<std::size_t>(me)] = std::move(costs);
    out.init_costs[static_cast<std::size_t>(me)] = init_cost;
    if (!identical) out.replicas_identical = false;
    if (me == 0) {
      out.iterates = std::move(iterates);
      out.grad_norm_sq = std::move(norms);
      out.rounds = k;
      out.parameters = m->parameters();
    }
  });
  return out;
}

/// Builds a Settings table from (key, value) pairs.
inline Settings settings(std::initializer_list<std::pair<std::string, Settings::Value>> kv) {
  Settings s("test");
  for (const auto& [k, v] : kv) s.set(k, v);
  return s;
}

/// Round-off comparison of two trajectories: |a_j - b_j| <= rel * (|b_j| + ||b||_inf) for every
/// coordinate and round. The ||b||_inf term is there because round-off is relative to the
/// magnitudes that were added, not to a coordinate that happens to pass near 0.
inline void expect_same_trajectory(const RunResult& a, const RunResult& b, double rel) {
  ASSERT_EQ(a.iterates.size(), b.iterates.size());
  for (std::size_t k = 0; k < a.iterates.size(); ++k) {
    const double scale = vec::norm_inf(b.iterates[k]);
    for (std::size_t j = 0; j < a.iterates[k].size(); ++j) {
      ASSERT_LE(std::abs(a.iterates[k][j] - b.iterates[k][j]),
                rel * (std::abs(b.iterates[k][j]) + scale))
          << "round " << k << " coordinate " << j;
    }
  }
}

/// Bit-identical trajectories.
inline bool same_bits(const RunResult& a, const RunResult& b) {
  if (a.iterates.size() != b.iterates.size()) return false;
  for (std::size_t k = 0; k < a.iterates.size(); ++k) {
    if (std::memcmp(a.iterates[k].data(), b.iterates[k].data(),
                    a.iterates[k].size() * sizeof(double)) != 0) {
      return false;
    }
  }
  return true;
}

/// Dense vectors and server at 64 bits, no `codec` key: the settings of GD (which rejects one).
inline Settings dense64(std::initializer_list<std::pair<std::string, Settings::Value>> kv) {
  Settings s = settings(kv);
  s.set("server_codec", std::string("identity:precision=64"));
  s.set("precision", std::int64_t{64});
  return s;
}

/// Identity codec and server at 64 bits: a compressed method reduced to its uncompressed parent
/// (GD on dense64), up to round-off.
inline Settings identity64(std::initializer_list<std::pair<std::string, Settings::Value>> kv) {
  Settings s = dense64(kv);
  s.set("codec", std::string("identity:precision=64"));
  return s;
}

}  // namespace dcopt::testing

#pragma once
// Test harness: runs a VI method on the MASHA bilinear game with M worker threads (ThreadComm)
// and records what rank 0 sees, plus whether every rank held the same iterate after every step.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/settings.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/vi/vi_constants.hpp"
#include "dcopt/methods/method_catalog.hpp"
#include "dcopt/problems/bilinear_game.hpp"

namespace dcopt::testing_vi {

struct ViRun {
  std::vector<double> dist2;            ///< ||z^k - z*||^2, k = 0 .. iterations
  std::vector<vec::Vec> iterates;       ///< z^k, k = 0 .. iterations (if keep_iterates)
  StepCost init;                        ///< rank 0's init cost
  std::vector<StepCost> steps;          ///< rank 0's cost per round
  std::vector<StepCost> total_by_rank;  ///< every rank's total over the rounds
  std::map<std::string, double> parameters;
  bool replicated = true;  ///< every rank had a bit-identical iterate after every step
  int iterations = 0;      ///< rounds run
};

struct ViRunOptions {
  int max_iterations = 1000;
  double stop_below = 0.0;  ///< stop once ||z - z*||^2 < stop_below (0: never)
  bool keep_iterates = false;
  std::uint64_t seed = 1;
  CompositeTerm h{};
};

inline BilinearGameParams game_params(double lambda, std::size_t dim = 10, std::size_t devices = 5,
                                      std::size_t terms = 1) {
  BilinearGameParams p;
  p.dim = dim;
  p.num_devices = devices;
  p.lambda = lambda;
  p.seed = 42;
  p.num_terms = terms;
  return p;
}

inline ViRun run_vi(const BilinearGame& game, const std::string& method, const Settings& settings,
                    const ViRunOptions& o, std::span<const double> reference = {}) {
  const int M = static_cast<int>(game.num_devices());
  const std::size_t d = game.dim();
  std::span<const double> zstar = reference.empty() ? game.solution() : reference;
  ViRun out;
  std::mutex mu;
  // Iterates of every rank at every step, to compare them after the run.
  std::vector<std::vector<vec::Vec>> per_rank(static_cast<std::size_t>(M));
  run_threads(M, [&](Communicator& comm) {
    WorkerContext ctx{comm, o.seed};
    const auto op = game.make_operator(static_cast<std::size_t>(ctx.rank()));
    const ViConstants c =
        gather_vi_constants(ctx, *op, o.h, ViHints{game.lipschitz(), game.strong_monotonicity()});
    Settings s = settings;  // Settings records reads: one copy per thread
    ViSetup setup{*op, o.h, c, vec::Vec(d, 0.0)};
    auto m = make_vi_method(method, s, setup);
    const bool me0 = ctx.rank() == 0;
    StepCost init = m->init(ctx);
    StepCost total;
    std::vector<vec::Vec> mine;
    std::vector<double> dist2{vec::dist2_sq(m->iterate(), zstar)};
    std::vector<StepCost> steps;
    std::vector<vec::Vec> its;
    if (o.keep_iterates) its.emplace_back(m->iterate().begin(), m->iterate().end());
    int k = 0;
    while (k < o.max_iterations && !(o.stop_below > 0 && dist2.back() < o.stop_below)) {
      ++k;
      StepCost cost = m->step(ctx, static_cast<std::uint64_t>(k));
      total += cost;
      steps.push_back(cost);
      dist2.push_back(vec::dist2_sq(m->iterate(), zstar));
      mine.emplace_back(m->iterate().begin(), m->iterate().end());
      if (o.keep_iterates) its.emplace_back(m->iterate().begin(), m->iterate().end());
    }
    std::lock_guard lock(mu);
    per_rank[static_cast<std::size_t>(ctx.rank())] = std::move(mine);
    if (out.total_by_rank.empty()) out.total_by_rank.resize(static_cast<std::size_t>(M));
    out.total_by_rank[static_cast<std::size_t>(ctx.rank())] = total;
    if (me0) {
      out.init = init;
      out.steps = std::move(steps);
      out.dist2 = std::move(dist2);
      out.iterates = std::move(its);
      out.parameters = m->parameters();
      out.iterations = k;
    }
  });
  for (const auto& r : per_rank) {
    if (r.size() != per_rank[0].size()) out.replicated = false;
    for (std::size_t k = 0; out.replicated && k < r.size(); ++k) {
      if (r[k] != per_rank[0][k]) out.replicated = false;
    }
  }
  return out;
}

inline Settings make_settings(std::initializer_list<std::pair<std::string, Settings::Value>> kv) {
  Settings s("test method");
  for (const auto& [k, v] : kv) s.set(k, v);
  return s;
}

}  // namespace dcopt::testing_vi

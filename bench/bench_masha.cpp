// MASHA1 rounds per second on the MASHA bilinear game, d = 100 per block (z has 200 entries),
// M = 10 devices as threads (ThreadComm), RandK 30%, paper parameters; and the operator alone
// for the same number of calls, to split a round's time between oracle and framework (codec,
// exchange, bookkeeping).
#include <benchmark/benchmark.h>
#include <time.h>

#include <memory>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/method_catalog.hpp"
#include "dcopt/methods/vi/vi_constants.hpp"
#include "dcopt/problems/bilinear_game.hpp"

namespace dcopt {
namespace {

constexpr int kRounds = 200;

BilinearGameParams bench_params() {
  BilinearGameParams p;
  p.dim = 100;
  p.num_devices = 10;
  p.lambda = 1.0;
  p.seed = 3;
  return p;
}

const BilinearGame& game() {
  static const BilinearGame g(bench_params());
  return g;
}

// Built once: constructing a device computes sigma_max(A_m), which is not what we time.
const std::vector<std::unique_ptr<Operator>>& devices() {
  static const auto ops = [] {
    std::vector<std::unique_ptr<Operator>> v;
    for (std::size_t m = 0; m < game().num_devices(); ++m) v.push_back(game().make_operator(m));
    return v;
  }();
  return ops;
}

double process_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Time per MASHA1 round (the 10 devices as fibers on the default pool, one thread per core, or
// on state.range(0) threads; rounds/s = items/s), and the CPU time of the whole process per
// round (every thread), to which the operator's CPU time per round is compared: over the whole
// iteration (process_cpu_us_per_round: the cluster's start, the constants and the method's
// construction included) and over the rounds alone (round_cpu_us_per_round: from a barrier
// after init() to a barrier after the last round, read by rank 0).
void BM_Masha1Rounds(benchmark::State& state, const char* codec) {
  const BilinearGame& g = game();
  std::uint64_t full_calls = 0;
  ThreadRunOptions pool;
  pool.threads = static_cast<int>(state.range(0));
  const double cpu_before = process_cpu_seconds();
  double rounds_cpu = 0;
  for (auto _ : state) {
    full_calls = 0;
    run_threads(
        10,
        [&](Communicator& comm) {
          WorkerContext ctx{comm, 1};
          const auto& op = devices()[static_cast<std::size_t>(ctx.rank())];
          const CompositeTerm h;
          const ViConstants c =
              gather_vi_constants(ctx, *op, h, {g.lipschitz(), g.strong_monotonicity()});
          Settings s("bench");
          s.set("codec", std::string(codec));
          auto m = make_vi_method("masha1", s, ViSetup{*op, h, c, vec::Vec(g.dim(), 0.0)});
          m->init(ctx);
          comm.barrier();
          const double start = ctx.rank() == 0 ? process_cpu_seconds() : 0.0;
          std::uint64_t calls = 0;
          for (int k = 1; k <= kRounds; ++k) calls += m->step(ctx, k).full_grads;
          comm.barrier();
          if (ctx.rank() == 0) {
            full_calls = calls;
            rounds_cpu += process_cpu_seconds() - start;
          }
        },
        pool);
  }
  const double rounds = static_cast<double>(state.iterations()) * kRounds;
  state.SetItemsProcessed(state.iterations() * kRounds);
  state.counters["full_F_m_calls_per_round"] = static_cast<double>(full_calls) / kRounds;
  state.counters["process_cpu_us_per_round"] = (process_cpu_seconds() - cpu_before) / rounds * 1e6;
  state.counters["round_cpu_us_per_round"] = rounds_cpu / rounds * 1e6;
}
BENCHMARK_CAPTURE(BM_Masha1Rounds, randk30, "randk:ratio=0.3")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Masha1Rounds, natural_dithering, "natural_dithering")
    ->Arg(0)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One device's F_m(z) (d = 200): multiply by MASHA1's ~1 + (1 - tau) calls per round to get the
// oracle share of a round (devices run in parallel, so one device's calls bound the round).
void BM_OperatorApply(benchmark::State& state) {
  const auto& op = devices()[0];
  vec::Vec z(op->dim(), 0.1), out(op->dim());
  for (auto _ : state) {
    op->apply(z, out);
    benchmark::DoNotOptimize(out.data());
    z[0] += 1e-12;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OperatorApply);

// The thread cluster's start-up and the constant gathering (and MASHA1's beta measurement is
// not in it: that happens in make_vi_method), included in BM_Masha1Rounds once
// per 200 rounds: subtract to get steady-state rounds.
void BM_ClusterStartup(benchmark::State& state) {
  for (auto _ : state) {
    run_threads(10, [&](Communicator& comm) {
      WorkerContext ctx{comm, 1};
      const auto& op = devices()[static_cast<std::size_t>(ctx.rank())];
      const CompositeTerm h;
      benchmark::DoNotOptimize(gather_vi_constants(ctx, *op, h));
    });
  }
}
BENCHMARK(BM_ClusterStartup)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace dcopt

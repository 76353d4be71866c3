// One round of a method's exchange at network size: Exchange<T>::average (encode, allgather,
// decode everyone's message) plus the server broadcast, d = 10^6, on 2 worker threads. Reports
// the time per round and the heap allocations per round of rank 0 in steady state (after 3
// warm-up rounds), counted with the replacement operator new of tests/support (it must be 0:
// messages and receive buffers are reused). Compares fp32 and fp64 vectors, and the reused
// Exchange against a fresh Exchange every round (fp64 only), which allocates its buffers every
// round as every exchange did before the estimator issue.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "support/allocation_counter.hpp"
#include "support/allocation_counter_operators.hpp"

namespace dcopt {
namespace {

constexpr std::size_t kDim = 1'000'000;
constexpr int kWorkers = 2;
constexpr int kWarmUp = 3;
constexpr int kRounds = 20;

const char* const kSpecs[] = {"identity:precision=32", "randk_shared:ratio=0.01", "topk:ratio=0.01",
                              "int8"};

template <class T>
void BM_exchange(benchmark::State& state, bool reuse) {
  const CompressorPtr codec = make_compressor(kSpecs[state.range(0)]);
  const CompressorPtr server = make_compressor("identity:precision=32");
  state.SetLabel(codec->spec());
  double seconds = 0, allocations = 0;
  for (auto _ : state) {
    run_threads(kWorkers, [&](Communicator& comm) {
      WorkerContext ctx{comm, 1};
      StreamPlan plan;
      Exchange<T> exchange(plan.exchange("bench"));
      std::vector<T> x(kDim), avg(kDim), g(kDim);
      for (std::size_t j = 0; j < kDim; ++j) {
        x[j] = T(0.5) + T(1e-6) * static_cast<T>((j * 7919 + comm.rank()) % 1000);
      }
      auto round = [&](std::uint64_t k) {
        if constexpr (std::is_same_v<T, double>) {
          if (!reuse) {  // a fresh Exchange every round: new buffers, as before
            StreamPlan fresh_plan;
            Exchange<T> fresh(fresh_plan.exchange("bench"));
            fresh.average(ctx, *codec, x, avg, k);
            fresh.broadcast(ctx, *server, avg, g, k);
            return;
          }
        }
        exchange.average(ctx, *codec, x, avg, k);
        exchange.broadcast(ctx, *server, avg, g, k);
      };
      for (int k = 1; k <= kWarmUp; ++k) round(static_cast<std::uint64_t>(k));
      comm.barrier();
      const auto start = std::chrono::steady_clock::now();
      testing::CountAllocations counter;
      for (int k = kWarmUp + 1; k <= kWarmUp + kRounds; ++k) round(static_cast<std::uint64_t>(k));
      const std::uint64_t n = counter.count();
      comm.barrier();
      if (comm.rank() == 0) {
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        allocations += static_cast<double>(n);
      }
    });
  }
  const double rounds = static_cast<double>(state.iterations()) * kRounds;
  state.counters["ms/round"] = 1e3 * seconds / rounds;
  state.counters["allocs/round"] = allocations / rounds;
}

void BM_exchange_fp32(benchmark::State& state) { BM_exchange<float>(state, true); }
void BM_exchange_fp64(benchmark::State& state) { BM_exchange<double>(state, true); }
void BM_exchange_fp64_per_call(benchmark::State& state) { BM_exchange<double>(state, false); }
BENCHMARK(BM_exchange_fp32)->DenseRange(0, 3)->Iterations(3)->UseRealTime();
BENCHMARK(BM_exchange_fp64)->DenseRange(0, 3)->Iterations(3)->UseRealTime();
BENCHMARK(BM_exchange_fp64_per_call)->DenseRange(0, 3)->Iterations(3)->UseRealTime();

}  // namespace
}  // namespace dcopt

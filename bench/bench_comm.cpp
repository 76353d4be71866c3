// ThreadComm collectives. The small-payload benchmarks (5 workers) report rounds per second (the
// "rounds/s" counter): each benchmark iteration is one run_threads() of kRounds collectives, so
// thread start-up is amortized over many rounds, as in a real run. The big-vector allreduce
// benchmarks time the collectives alone (manual time, measured by rank 0 between two barriers)
// and report the time of one allreduce_sum.
#include <benchmark/benchmark.h>

#include <chrono>
#include <span>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"

namespace dcopt {
namespace {

constexpr int kWorkers = 5;
constexpr int kRounds = 2000;

void report(benchmark::State& state) {
  state.counters["rounds/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * kRounds,
                                                  benchmark::Counter::kIsRate);
}

void BM_thread_allgather(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    run_threads(kWorkers, [&](Communicator& comm) {
      Bytes mine(bytes, static_cast<std::uint8_t>(comm.rank()));
      for (int k = 0; k < kRounds; ++k) benchmark::DoNotOptimize(comm.allgather(mine));
    });
  }
  report(state);
}
BENCHMARK(BM_thread_allgather)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_thread_allreduce_sum(benchmark::State& state) {
  const auto d = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    run_threads(kWorkers, [&](Communicator& comm) {
      std::vector<double> v(d, 1.0 / (comm.rank() + 1));
      for (int k = 0; k < kRounds; ++k) {
        comm.allreduce_sum(v);
        benchmark::DoNotOptimize(v.data());
        // Keep the values bounded so the sums stay ordinary numbers.
        v[0] = 1.0 / (comm.rank() + 1);
      }
    });
  }
  report(state);
}
BENCHMARK(BM_thread_allreduce_sum)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);

/// allreduce_sum of d values of type T over `threads` workers (args: d, threads), in the default
/// (deterministic) mode: the training-size case (fp32 gradients of 1e6 entries). kBigRounds
/// collectives per iteration keep the values finite (each round multiplies them by at most
/// `threads`: 4^20 ~ 1e12) and away from subnormals.
template <class T>
void BM_thread_allreduce_big(benchmark::State& state) {
  constexpr int kBigRounds = 20;
  const auto d = static_cast<std::size_t>(state.range(0));
  const auto threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    double seconds = 0;
    run_threads(threads, [&](Communicator& comm) {
      std::vector<T> v(d, static_cast<T>(1.0 / (comm.rank() + 1)));
      comm.barrier();
      const auto start = std::chrono::steady_clock::now();
      for (int k = 0; k < kBigRounds; ++k) {
        comm.allreduce_sum(std::span<T>(v));
        benchmark::DoNotOptimize(v.data());
      }
      comm.barrier();
      if (comm.rank() == 0) {
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
    });
    state.SetIterationTime(seconds / kBigRounds);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(d * sizeof(T)));
}
BENCHMARK(BM_thread_allreduce_big<float>)
    ->Args({1000000, 2})
    ->Args({1000000, 4})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_thread_allreduce_big<double>)
    ->Args({1000000, 2})
    ->Args({1000000, 4})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_thread_barrier(benchmark::State& state) {
  for (auto _ : state) {
    run_threads(kWorkers, [&](Communicator& comm) {
      for (int k = 0; k < kRounds; ++k) comm.barrier();
    });
  }
  report(state);
}
BENCHMARK(BM_thread_barrier)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dcopt

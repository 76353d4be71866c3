// ThreadComm collectives with 5 workers: rounds per second (the "rounds/s" counter). Each
// benchmark iteration is one run_threads() of kRounds collectives, so thread start-up is
// amortized over many rounds, as in a real run.
#include <benchmark/benchmark.h>

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

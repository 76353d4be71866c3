// A steady-state exchange allocates nothing (DESIGN.md, "Collectives for big vectors"): an
// Exchange keeps its message and receive buffers, the communicator's out-parameter allgather
// reuses them, and the codecs keep their scratch per thread. Counted with a replacement
// operator new (support/allocation_counter.hpp) on every worker thread, at d = 10^6 fp32.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "support/allocation_counter.hpp"
#include "support/allocation_counter_operators.hpp"

namespace dcopt {
namespace {

using testing::CountAllocations;

constexpr std::size_t kDim = 1'000'000;

// Allocations of every worker over rounds `first`..`last` of average + broadcast, after warm-up
// rounds 1..first-1 (the buffers grow to their steady size there).
std::vector<std::uint64_t> allocations(const std::string& spec, int workers, std::uint64_t first,
                                       std::uint64_t last, bool partial,
                                       Topology topology = Topology::allgather) {
  CompressorPtr codec = make_compressor(spec);
  CompressorPtr server = make_compressor("identity:precision=32");
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(workers));
  run_threads(workers, [&](Communicator& comm) {
    WorkerContext ctx{comm, 3, topology};
    StreamPlan plan;
    Exchange<float> exchange(plan.exchange("steady"));
    std::vector<float> x(kDim), avg(kDim), mine(kDim), g(kDim);
    for (std::size_t j = 0; j < kDim; ++j) x[j] = 1.0f + 1e-6f * static_cast<float>(j % 977);
    std::vector<double> weights(static_cast<std::size_t>(workers));
    BasicExchangeOptions<float> opt;
    opt.my_decoded = mine;
    std::uint64_t n = 0;
    for (std::uint64_t k = 1; k <= last; ++k) {
      if (partial) {
        sample_client_weights(ctx, 2, ClientSampling::with_replacement, k, weights);
        opt.weights = weights;
      }
      CountAllocations counter;
      exchange.average(ctx, *codec, x, avg, k, opt);
      exchange.broadcast(ctx, *server, avg, g, k);
      if (k >= first) n += counter.count();
    }
    counts[static_cast<std::size_t>(ctx.rank())] = n;
  });
  return counts;
}

TEST(ExchangeSteadyState, AllocationCounterSeesAFreshExchange) {
  // Round 1 builds the buffers: the counter must see that, or the zeros below prove nothing.
  for (std::uint64_t n : allocations("identity:precision=32", 2, 1, 1, false)) EXPECT_GT(n, 0u);
}

TEST(ExchangeSteadyState, RoundsAfterWarmUpAllocateNothingAtOneMillionFp32) {
  for (const char* spec : {"identity:precision=32", "randk_shared:ratio=0.01", "randk:ratio=0.01",
                           "int8", "scaled_sign"}) {
    SCOPED_TRACE(spec);
    for (std::uint64_t n : allocations(spec, 4, 3, 6, false)) EXPECT_EQ(n, 0u);
  }
}

TEST(ExchangeSteadyState, PartialParticipationAllocatesNothingOnceEveryWorkerHasSent) {
  // With 2 of 4 clients per round, the buffers a worker's message passes through reach their
  // size the first time it is drawn in a round of each parity (ThreadComm alternates two slots
  // per rank); 30 warm-up rounds draw every worker in both (with this seed), then rounds 31..40
  // allocate nothing.
  for (std::uint64_t n : allocations("randk:ratio=0.01", 4, 31, 40, true)) EXPECT_EQ(n, 0u);
}

TEST(ExchangeSteadyState, TheServerTopologyAllocatesNothingAfterWarmUp) {
  // Gather on the server, the broadcast's padding byte appended to and removed from a reused
  // message, the dense terms added on the server: all in buffers that keep their capacity.
  for (const char* spec : {"identity:precision=32", "randk:ratio=0.01", "int8"}) {
    SCOPED_TRACE(spec);
    for (std::uint64_t n : allocations(spec, 4, 3, 6, false, Topology::server)) EXPECT_EQ(n, 0u);
  }
  for (std::uint64_t n : allocations("randk:ratio=0.01", 4, 31, 40, true, Topology::server)) {
    EXPECT_EQ(n, 0u);
  }
}

}  // namespace
}  // namespace dcopt

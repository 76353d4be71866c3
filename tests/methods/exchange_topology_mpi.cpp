// Runs under `mpirun -np 4` (tests/CMakeLists.txt): the server topology on MPI ranks (gather and
// broadcast through MpiComm) gives each rank what the allgather topology gives it on threads, bit
// for bit, for every path of the exchange, in fp64 and fp32.
#include <gtest/gtest.h>

#include "dcopt/comm/mpi_comm.hpp"
#include "methods/exchange_topology_scenario.hpp"

namespace dcopt::testing {
namespace {

template <class T>
void expect_same_on_mpi() {
  MpiComm comm;
  ASSERT_EQ(comm.size(), kWorkers) << "the test runs under mpirun -np 4";
  const auto r = static_cast<std::size_t>(comm.rank());
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.codec + " / server " + c.server);
    const Seen<T> mpi = exchange_rounds<T>(comm, Topology::server, c);
    const std::vector<Seen<T>> threads = run<T>(Topology::allgather, c);
    if (comm.rank() == kServerRank) {
      EXPECT_TRUE(same_bits(mpi.avg, threads[r].avg));
    }
    EXPECT_TRUE(same_bits(mpi.mine, threads[r].mine));
    EXPECT_TRUE(same_bits(mpi.received, threads[r].received));
    EXPECT_EQ(mpi.bits, threads[r].bits);
  }
}

TEST(ExchangeTopologyMpi, ServerOnMpiMatchesAllgatherOnThreadsFp64) {
  expect_same_on_mpi<double>();
}
TEST(ExchangeTopologyMpi, ServerOnMpiMatchesAllgatherOnThreadsFp32) { expect_same_on_mpi<float>(); }

}  // namespace
}  // namespace dcopt::testing

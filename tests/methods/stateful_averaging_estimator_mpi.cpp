// Runs under `mpirun -np 4` (tests/CMakeLists.txt): PowerSGD through the estimator on MPI ranks
// gives the thread cluster's iterates and estimates bit for bit (deterministic all-reduce in
// rank order on both; every Q and P is formed from the same aggregates).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "dcopt/comm/mpi_comm.hpp"
#include "dcopt/comm/thread_comm.hpp"
#include "methods/powersgd_scenario.hpp"

namespace dcopt::testing {
namespace {

std::vector<float> scenario(Communicator& comm) {
  WorkerContext ctx{comm, 5};
  auto est = powersgd_estimator<float>(powersgd_scenario_options(), comm.size());
  std::vector<float> x(powersgd_net().size(), 0.0f);
  powersgd_rounds(ctx, *est, x, 1, 6);
  // The last estimate after the iterate, so both are compared.
  x.insert(x.end(), est->estimate().begin(), est->estimate().end());
  return x;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), 4 * a.size()) == 0;
}

TEST(PowerSgdMpi, MatchesThreadsBitForBit) {
  MpiComm comm;
  ASSERT_EQ(comm.size(), 4) << "the test runs under mpirun -np 4";
  const std::vector<float> mine = scenario(comm);
  std::vector<std::vector<float>> threads(4);
  run_threads(comm.size(), [&](Communicator& c) { threads[c.rank()] = scenario(c); });
  EXPECT_TRUE(same_bits(mine, threads[static_cast<std::size_t>(comm.rank())]));
  EXPECT_TRUE(same_bits(threads[0], threads[3]));  // every replica the same
  EXPECT_NE(threads[0], std::vector<float>(threads[0].size(), 0.0f));
}

}  // namespace
}  // namespace dcopt::testing

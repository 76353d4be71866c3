// Runs under `mpirun -np 4` (tests/CMakeLists.txt): every rank runs every test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>

#include "comm/collectives_suite.hpp"
#include "dcopt/comm/mpi_comm.hpp"
#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

TEST(MpiComm, ReportsRankAndSizeOfMpirun) {
  MpiComm comm;
  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(comm.size(), 4) << "the test runs under mpirun -np 4";
  EXPECT_EQ(comm.size(), size);
  EXPECT_EQ(comm.rank(), rank);
}

TEST(MpiComm, EveryCollectiveMeetsTheContract) {
  MpiComm comm;
  comm_suite::run_all(comm);
}

// With a collective timeout every collective runs non-blocking (MPI_I*) and is polled: the same
// contract, and the same bits as ThreadComm, for both allreduce realizations.
TEST(MpiComm, NonBlockingCollectivesWithATimeoutMeetTheContractBitForBit) {
  MpiComm comm;
  comm.set_collective_timeout(60);
  comm_suite::run_all(comm);
  for (std::uint64_t limit : {Communicator::kDefaultReduceGatherLimit, std::uint64_t{0}}) {
    comm.set_reduce_gather_limit(limit);
    const auto x = comm_suite::seeded_run(comm, 31337);
    comm_suite::check_same_on_all_ranks(comm, x);
    EXPECT_TRUE(comm_suite::same_bits(x, comm_suite::seeded_reference(comm.size(), 31337)));
  }
  comm.set_reduce_mode(ReduceMode::native);
  std::vector<double> v(1000, 1.0 + comm.rank());
  comm.allreduce_sum(std::span<double>(v));
  EXPECT_EQ(v[999], 10.0);  // 1 + 2 + 3 + 4, exact in any order
}

TEST(MpiComm, WorksOnAGivenCommunicator) {
  int world_rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm half = MPI_COMM_NULL;
  ASSERT_EQ(MPI_Comm_split(MPI_COMM_WORLD, world_rank % 2, world_rank, &half), MPI_SUCCESS);
  {
    MpiComm comm(half);
    EXPECT_EQ(comm.size(), 2);
    EXPECT_EQ(comm.rank(), world_rank / 2);
    comm_suite::run_all(comm);
  }
  MPI_Comm_free(&half);
}

TEST(MpiComm, SeededRunMatchesThreadCommBitForBit) {
  MpiComm comm;
  const auto x = comm_suite::seeded_run(comm, 31337);
  comm_suite::check_same_on_all_ranks(comm, x);
  // The same computation in a thread cluster of the same size, inside this process.
  std::vector<double> threads_x;
  run_threads(comm.size(), [&](Communicator& c) {
    auto y = comm_suite::seeded_run(c, 31337);
    if (c.rank() == 0) threads_x = std::move(y);
  });
  EXPECT_TRUE(comm_suite::same_bits(x, threads_x));
  EXPECT_TRUE(comm_suite::same_bits(x, comm_suite::seeded_reference(comm.size(), 31337)));
}

// The same for float sums, with each realization of the deterministic mode (d = 33 is allgathered
// by default; gather limit 0 reduces chunks).
TEST(MpiComm, FloatSeededRunMatchesThreadCommBitForBit) {
  MpiComm comm;
  for (std::uint64_t limit : {Communicator::kDefaultReduceGatherLimit, std::uint64_t{0}}) {
    SCOPED_TRACE("gather limit " + std::to_string(limit));
    comm.set_reduce_gather_limit(limit);
    const auto x = comm_suite::seeded_run<float>(comm, 4242);
    comm_suite::check_same_on_all_ranks<float>(comm, x);
    std::vector<float> threads_x;
    run_threads(comm.size(), [&](Communicator& c) {
      c.set_reduce_gather_limit(limit);
      auto y = comm_suite::seeded_run<float>(c, 4242);
      if (c.rank() == 0) threads_x = std::move(y);
    });
    EXPECT_TRUE(comm_suite::same_bits(x, threads_x));
    EXPECT_TRUE(comm_suite::same_bits(x, comm_suite::seeded_reference<float>(comm.size(), 4242)));
  }
}

// A big vector through both backends' chunked realizations: the same bits.
TEST(MpiComm, BigAllreduceMatchesThreadCommBitForBit) {
  MpiComm comm;
  const std::size_t d = 100003;
  auto f = comm_suite::wide_contribution<float>(comm.rank(), d, 77);
  auto g = comm_suite::wide_contribution<double>(comm.rank(), d, 77);
  comm.allreduce_sum(std::span<float>(f));
  comm.allreduce_sum(std::span<double>(g));
  std::vector<float> threads_f;
  std::vector<double> threads_g;
  run_threads(comm.size(), [&](Communicator& c) {
    auto a = comm_suite::wide_contribution<float>(c.rank(), d, 77);
    auto b = comm_suite::wide_contribution<double>(c.rank(), d, 77);
    c.allreduce_sum(std::span<float>(a));
    c.allreduce_sum(std::span<double>(b));
    if (c.rank() == 0) {
      threads_f = std::move(a);
      threads_g = std::move(b);
    }
  });
  EXPECT_TRUE(comm_suite::same_bits(f, threads_f));
  EXPECT_TRUE(comm_suite::same_bits(g, threads_g));
}

TEST(MpiComm, MismatchedAllreduceLengthsFailOnEveryRankNamingTheSizes) {
  MpiComm comm;
  std::vector<double> v(comm.rank() == 1 ? 4 : 3, 1.0);
  try {
    comm.allreduce_sum(v);
    ADD_FAILURE() << "no error on rank " << comm.rank();
  } catch (const CommError& e) {
    EXPECT_THAT(e.what(), HasSubstr("rank 0: 3"));
    EXPECT_THAT(e.what(), HasSubstr("rank 1: 4"));
  }
  // The ranks agreed it failed; the communicator is still usable.
  std::vector<double> w{static_cast<double>(comm.rank())};
  comm.allreduce_sum(w);
  EXPECT_EQ(w[0], 0.0 + 1.0 + 2.0 + 3.0);
}

TEST(MpiComm, RootThatIsNotARankIsRejected) {
  MpiComm comm;
  Bytes b(3);
  EXPECT_THROW(comm.broadcast(b, comm.size()), CommError);
  EXPECT_THROW(comm.gather({}, -1), CommError);
  comm.barrier();  // still in step
}

TEST(MpiSession, LeavesAnAlreadyInitializedMpiAlone) {
  MpiSession session;  // mpi_main.cpp initialized MPI
  EXPECT_FALSE(session.owns_mpi());
  int initialized = 0;
  MPI_Initialized(&initialized);
  EXPECT_TRUE(initialized);
}

TEST(MpiCount, SizesBeyondIntAreAnErrorNotAnOverflow) {
  EXPECT_EQ(detail::to_mpi_count(0, "x"), 0);
  EXPECT_EQ(detail::to_mpi_count(INT_MAX, "x"), INT_MAX);
  EXPECT_THROW(detail::to_mpi_count(static_cast<std::uint64_t>(INT_MAX) + 1, "x"), CommError);
  EXPECT_THROW(detail::to_mpi_count(UINT64_MAX, "x"), CommError);
}

}  // namespace
}  // namespace dcopt

#include "dcopt/comm/thread_comm.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "comm/collectives_suite.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

class ThreadCommSuite : public ::testing::TestWithParam<int> {};

TEST_P(ThreadCommSuite, EveryCollectiveMeetsTheContract) {
  const int n = GetParam();
  std::atomic<int> ran{0};
  run_threads(n, [&](Communicator& c) {
    EXPECT_EQ(c.size(), n);
    comm_suite::run_all(c);
    ++ran;
  });
  EXPECT_EQ(ran.load(), n);
}

TEST_P(ThreadCommSuite, SeededRunIsBitIdenticalAcrossRunsAndRanks) {
  // Thread interleavings differ from run to run; the bits must not.
  const int n = GetParam();
  const auto reference = comm_suite::seeded_reference(n, 77);
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<std::vector<double>> result(static_cast<std::size_t>(n));
    run_threads(n, [&](Communicator& c) {
      result[static_cast<std::size_t>(c.rank())] = comm_suite::seeded_run(c, 77);
    });
    for (int r = 0; r < n; ++r) {
      EXPECT_TRUE(comm_suite::same_bits(result[static_cast<std::size_t>(r)], reference))
          << "rank " << r << ", attempt " << attempt;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, ThreadCommSuite, ::testing::Values(1, 2, 3, 4, 7),
                         [](const auto& info) {
                           std::string name = "n";
                           name += std::to_string(info.param);
                           return name;
                         });

TEST(ThreadComm, BarrierWaitsForEveryone) {
  const int n = 5;
  std::atomic<int> arrived{0};
  run_threads(n, [&](Communicator& c) {
    for (int k = 0; k < 200; ++k) {
      ++arrived;
      c.barrier();
      // Everyone incremented for round k; nobody can be past round k + 1's increment.
      const int seen = arrived.load();
      EXPECT_GE(seen, n * (k + 1));
      EXPECT_LT(seen, n * (k + 2));
    }
  });
  EXPECT_EQ(arrived.load(), n * 200);
}

// Workers are fibers on a pool: a thousand workers on two threads run every collective, and the
// numbers are those of the serial rank-order reference (allreduce summed at completion, small
// and big vectors).
TEST(ThreadComm, AThousandWorkersRunOnTwoThreads) {
  const int n = 1000;
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::vector<std::vector<double>> results(n);
  ThreadRunOptions options;
  options.threads = 2;
  run_threads(
      n,
      [&](Communicator& c) {
        {
          std::lock_guard lock(mutex);
          threads.insert(std::this_thread::get_id());
        }
        // A plan that allgathers (the default limit) and one that chunks (limit 0): both are
        // summed at completion here, as there are more workers than threads.
        const auto small = comm_suite::seeded_run(c, 7, 5, 40);
        c.set_reduce_gather_limit(0);
        const auto big = comm_suite::seeded_run(c, 7, 5, 40);
        EXPECT_TRUE(comm_suite::same_bits(small, big));
        results[static_cast<std::size_t>(c.rank())] = big;
      },
      options);
  EXPECT_LE(threads.size(), 2u);
  const auto want = comm_suite::seeded_reference(n, 7, 5, 40);
  for (int r = 0; r < n; ++r) {
    EXPECT_TRUE(comm_suite::same_bits(results[static_cast<std::size_t>(r)], want)) << r;
  }
}

// The sums are the same bits whether the pool has one thread, a few, or one per worker (where
// big vectors are summed chunk by chunk in parallel instead of at completion).
TEST(ThreadComm, ResultsDoNotDependOnThePoolSize) {
  const int n = 7;
  const auto want = comm_suite::seeded_reference<float>(n, 99, 20, 20000);
  for (int threads : {0, 1, 2, 3, -1, -2}) {
    ThreadRunOptions options;
    if (threads >= 0) options.threads = threads;
    options.thread_per_worker = threads == -1;
    if (threads == -2) {  // two threads that take each other's workers
      options.threads = 2;
      options.migrate = true;
    }
    std::vector<std::vector<float>> got(n);
    run_threads(
        n,
        [&](Communicator& c) {
          got[static_cast<std::size_t>(c.rank())] = comm_suite::seeded_run<float>(c, 99, 20, 20000);
        },
        options);
    for (int r = 0; r < n; ++r) {
      EXPECT_TRUE(comm_suite::same_bits(got[static_cast<std::size_t>(r)], want))
          << "threads " << threads << ", rank " << r;
    }
  }
}

// thread_per_worker: every worker stays on one OS thread of its own for its whole body (torch's
// per-thread state); without it, a worker stays on one pool thread too (r % threads).
TEST(ThreadComm, EveryWorkerKeepsItsThreadAcrossCollectives) {
  for (const bool per_worker : {true, false}) {
    const int n = 6;
    std::vector<std::thread::id> first(n);
    std::atomic<int> moved{0};
    ThreadRunOptions options;
    options.thread_per_worker = per_worker;
    options.threads = 2;
    run_threads(
        n,
        [&](Communicator& c) {
          first[static_cast<std::size_t>(c.rank())] = std::this_thread::get_id();
          for (int k = 0; k < 50; ++k) {
            c.barrier();
            if (std::this_thread::get_id() != first[static_cast<std::size_t>(c.rank())]) ++moved;
          }
        },
        options);
    EXPECT_EQ(moved.load(), 0) << per_worker;
    const std::set<std::thread::id> distinct(first.begin(), first.end());
    EXPECT_EQ(distinct.size(), per_worker ? 6u : 2u);
  }
}

// allgather_combine runs its combine once per collective for all the workers of the process
// (the server step is not repeated n times), and the workers must agree on the result's shape.
TEST(ThreadComm, AllgatherCombineRunsOncePerCollective) {
  const int n = 50;
  std::atomic<int> calls{0};
  run_threads(n, [&](Communicator& c) {
    for (int k = 0; k < 10; ++k) {
      std::vector<double> out(4);
      const std::uint8_t b = static_cast<std::uint8_t>(c.rank() % 7);
      c.allgather_combine(std::span<const std::uint8_t>(&b, 1), std::span<double>(out),
                          [&](const MessageSet& all, std::span<double> o) {
                            ++calls;
                            double sum = 0;
                            for (int r = 0; r < all.size(); ++r) sum += all[r][0];
                            std::fill(o.begin(), o.end(), sum);
                          });
      double want = 0;
      for (int r = 0; r < n; ++r) want += r % 7;
      EXPECT_EQ(out[0], want);
    }
  });
  EXPECT_EQ(calls.load(), 10);
}

TEST(ThreadComm, MismatchedCombineShapesFailOnEveryRankNamingThem) {
  std::atomic<int> failures{0};
  run_threads(3, [&](Communicator& c) {
    std::vector<double> out(c.rank() == 1 ? 5 : 4);
    try {
      c.allgather_combine({}, std::span<double>(out), [](const MessageSet&, std::span<double>) {});
    } catch (const CommError& e) {
      EXPECT_THAT(e.what(), HasSubstr("rank 1: allgather_combine into 5 fp64 values")) << e.what();
      ++failures;
    }
    c.barrier();  // the cluster stays usable
  });
  EXPECT_EQ(failures.load(), 3);
}

TEST(ThreadComm, RejectsNonPositiveWorkerCount) {
  EXPECT_THROW(run_threads(0, [](Communicator&) {}), InvalidArgument);
  EXPECT_THROW(run_threads(-3, [](Communicator&) {}), InvalidArgument);
  ThreadRunOptions negative;
  negative.threads = -1;
  EXPECT_THROW(run_threads(
                   2, [](Communicator&) {}, negative),
               InvalidArgument);
}

TEST(ThreadComm, FailingWorkerReleasesOthersAndItsOwnErrorIsRethrown) {
  const int n = 4;
  std::vector<std::string> released(n);
  std::vector<int> collectives(n, 0);
  bool rethrown_original = false;
  try {
    run_threads(n, [&](Communicator& c) {
      const auto me = static_cast<std::size_t>(c.rank());
      try {
        // Everyone keeps calling collectives forever; only the failure can end this loop.
        for (int k = 0;; ++k) {
          if (c.rank() == 2 && k == 5) throw std::logic_error("boom");
          std::vector<double> v(3, 1.0);
          c.allreduce_sum(v);
          c.allgather(comm_suite::pattern(c.rank(), 10, k));
          Bytes b(4);
          c.broadcast(b, k % n);
          collectives[me] += 3;
        }
      } catch (const CommError& e) {
        released[me] = e.what();
        // Later collectives fail immediately too; they never block.
        EXPECT_THROW(c.barrier(), CommError);
        EXPECT_THROW(c.allgather({}), CommError);
        throw;
      }
    });
  } catch (const std::logic_error& e) {
    rethrown_original = std::string(e.what()) == "boom";
  } catch (const std::exception& e) {
    ADD_FAILURE() << "run_threads threw a secondary error instead of the original: " << e.what();
  }
  EXPECT_TRUE(rethrown_original);
  for (int r = 0; r < n; ++r) {
    if (r == 2) {
      EXPECT_EQ(released[2], "");
      EXPECT_EQ(collectives[2], 15);
    } else {
      EXPECT_EQ(released[static_cast<std::size_t>(r)], "worker 2 failed: boom") << "rank " << r;
      EXPECT_GE(collectives[static_cast<std::size_t>(r)], 15) << "rank " << r;
    }
  }
}

TEST(ThreadComm, WorkerFailingBeforeOthersEnterStillReleasesThem) {
  const int n = 4;
  std::atomic<int> released{0};
  EXPECT_THROW(run_threads(n,
                           [&](Communicator& c) {
                             if (c.rank() == 2) throw std::runtime_error("early");
                             // Enter only after rank 2 has certainly failed.
                             std::this_thread::sleep_for(std::chrono::milliseconds(20));
                             try {
                               c.barrier();
                             } catch (const CommError& e) {
                               EXPECT_STREQ(e.what(), "worker 2 failed: early");
                               ++released;
                               throw;
                             }
                           }),
               std::runtime_error);
  EXPECT_EQ(released.load(), n - 1);
}

TEST(ThreadComm, NonStandardExceptionIsRethrownAsIs) {
  std::atomic<int> released{0};
  try {
    run_threads(3, [&](Communicator& c) {
      if (c.rank() == 1) throw 42;
      try {
        for (;;) c.barrier();
      } catch (const CommError& e) {
        EXPECT_THAT(e.what(), HasSubstr("worker 1 failed: unknown exception"));
        ++released;
      }
    });
    ADD_FAILURE() << "run_threads returned normally";
  } catch (int v) {
    EXPECT_EQ(v, 42);
  }
  EXPECT_EQ(released.load(), 2);
}

TEST(ThreadComm, WorkerReturningEarlyDoesNotHangTheOthers) {
  try {
    run_threads(3, [&](Communicator& c) {
      if (c.rank() == 1) return;
      for (int k = 0; k < 10; ++k) c.barrier();
    });
    ADD_FAILURE() << "run_threads returned normally";
  } catch (const CommError& e) {
    EXPECT_THAT(e.what(), HasSubstr("worker 1"));
    EXPECT_THAT(e.what(), HasSubstr("returned from its body"));
  }
}

TEST(ThreadComm, MismatchedAllreduceLengthsFailOnEveryRankNamingTheSizes) {
  const int n = 4;
  std::vector<std::string> errors(n);
  std::vector<double> after(n, 0.0);
  run_threads(n, [&](Communicator& c) {
    const auto me = static_cast<std::size_t>(c.rank());
    std::vector<double> v(c.rank() == 1 ? 4 : 3, 1.0);
    try {
      c.allreduce_sum(v);
    } catch (const CommError& e) {
      errors[me] = e.what();
    }
    // A usage error is reported, not fatal: the ranks agree it failed and carry on.
    std::vector<double> w{static_cast<double>(c.rank())};
    c.allreduce_sum(w);
    after[me] = w[0];
  });
  for (int r = 0; r < n; ++r) {
    const auto& e = errors[static_cast<std::size_t>(r)];
    EXPECT_THAT(e, HasSubstr("rank 0: allreduce_sum of 3 fp64 values (deterministic"))
        << "rank " << r;
    EXPECT_THAT(e, HasSubstr("rank 1: allreduce_sum of 4 fp64 values (deterministic"))
        << "rank " << r;
    EXPECT_EQ(after[static_cast<std::size_t>(r)], 0.0 + 1.0 + 2.0 + 3.0);
  }
}

TEST(ThreadComm, MismatchedAllreduceModesFailOnEveryRankNamingThem) {
  const int n = 3;
  std::vector<std::string> errors(n);
  run_threads(n, [&](Communicator& c) {
    std::vector<float> v(5, 1.0f);
    if (c.rank() == 2) c.set_reduce_mode(ReduceMode::native);
    try {
      c.allreduce_sum(std::span<float>(v));
    } catch (const CommError& e) {
      errors[static_cast<std::size_t>(c.rank())] = e.what();
    }
  });
  for (int r = 0; r < n; ++r) {
    const auto& e = errors[static_cast<std::size_t>(r)];
    EXPECT_THAT(e, HasSubstr("rank 0: allreduce_sum of 5 fp32 values (deterministic"));
    EXPECT_THAT(e, HasSubstr("rank 2: allreduce_sum of 5 fp32 values (native"));
  }
}

// ThreadComm has no order-free reduction, so native mode is the deterministic code: the same
// bits, both realizations, both element types.
TEST(ThreadComm, NativeModeIsBitIdenticalToDeterministic) {
  for (int n : {2, 3, 4}) {
    run_threads(n, [&](Communicator& c) {
      SCOPED_TRACE(comm_suite::who(c));
      for (std::size_t d : {std::size_t{7}, std::size_t{100003}}) {
        auto f = comm_suite::wide_contribution<float>(c.rank(), d, 5);
        auto g = comm_suite::wide_contribution<double>(c.rank(), d, 5);
        c.set_reduce_mode(ReduceMode::native);
        c.allreduce_sum(std::span<float>(f));
        c.allreduce_sum(std::span<double>(g));
        c.set_reduce_mode(ReduceMode::deterministic);
        EXPECT_TRUE(comm_suite::same_bits(f, comm_suite::ordered_sum<float>(n, d, 5)));
        EXPECT_TRUE(comm_suite::same_bits(g, comm_suite::ordered_sum<double>(n, d, 5)));
      }
    });
  }
}

// The chunked realization writes into the other ranks' buffers while they wait: repeated calls
// with all thread interleavings the scheduler produces must give the reference every time, and
// no rank may see a buffer before every chunk was written into it.
TEST(ThreadComm, ChunkedAllreduceIsStableUnderRepetition) {
  const int n = 4;
  const std::size_t d = 20011;
  const auto expected = comm_suite::ordered_sum<float>(n, d, 9);
  std::atomic<int> wrong{0};
  run_threads(n, [&](Communicator& c) {
    c.set_reduce_gather_limit(0);
    for (int k = 0; k < 200; ++k) {
      auto x = comm_suite::wide_contribution<float>(c.rank(), d, 9);
      c.allreduce_sum(std::span<float>(x));
      if (!comm_suite::same_bits(x, expected)) ++wrong;
    }
  });
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ThreadComm, MismatchedCollectivesOrRootsFailOnEveryRank) {
  const int n = 3;
  std::atomic<int> kind_errors{0}, root_errors{0};
  run_threads(n, [&](Communicator& c) {
    try {
      if (c.rank() == 0) {
        c.allgather({});
      } else {
        c.barrier();
      }
    } catch (const CommError& e) {
      EXPECT_THAT(e.what(), HasSubstr("rank 0: allgather"));
      EXPECT_THAT(e.what(), HasSubstr("rank 1: barrier"));
      ++kind_errors;
    }
    try {
      Bytes b(2);
      c.broadcast(b, c.rank() == 2 ? 1 : 0);
    } catch (const CommError& e) {
      EXPECT_THAT(e.what(), HasSubstr("rank 2: broadcast(root=1)"));
      ++root_errors;
    }
    // A root that is not a rank is rejected on every rank, never read out of bounds.
    EXPECT_THROW(c.gather({}, n), CommError);
    Bytes unused;
    EXPECT_THROW(c.broadcast(unused, -1), CommError);
  });
  EXPECT_EQ(kind_errors.load(), n);
  EXPECT_EQ(root_errors.load(), n);
}

// A worker that never reaches its collective (here: it waits for a flag, standing in for a
// deadlock in user code) makes the others' collective time out after their 2 s, naming it; the
// other waiting ranks get the same error. The stuck worker is released afterwards so that
// run_threads can join it; it then fails at its next collective too.
TEST(ThreadComm, AWorkerThatNeverArrivesTimesTheCollectiveOutNamingIt) {
  std::atomic<bool> release{false};
  std::atomic<int> timed_out{0};
  std::string messages[3];
  const auto start = std::chrono::steady_clock::now();
  try {
    run_threads(3, [&](Communicator& c) {
      c.set_collective_timeout(2.0);
      c.barrier();  // collective #1: everyone arrives
      if (c.rank() == 2) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!release && std::chrono::steady_clock::now() < until) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        c.barrier();  // fails: the run failed meanwhile
        ADD_FAILURE() << "the stuck worker's collective should have failed";
        return;
      }
      try {
        std::vector<Bytes> out;
        const std::uint8_t b = 1;
        c.allgather(std::span<const std::uint8_t>(&b, 1), out);  // collective #2
      } catch (const CommError& e) {
        messages[c.rank()] = e.what();
        if (++timed_out == 2) release = true;
        throw;
      }
    });
    FAIL() << "run_threads should rethrow the timeout";
  } catch (const CommError& e) {
    EXPECT_THAT(e.what(), HasSubstr("collective #2 (allgather) timed out"));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(timed_out.load(), 2);
  for (int r = 0; r < 2; ++r) {
    EXPECT_THAT(messages[r], HasSubstr("collective #2 (allgather) timed out")) << r;
    EXPECT_THAT(messages[r], HasSubstr("but worker 2 did not arrive")) << r;
    EXPECT_THAT(messages[r], HasSubstr("waited 2 s")) << r;
  }
  EXPECT_GE(seconds, 1.9);
  EXPECT_LT(seconds, 20.0);
}

// Without a timeout (the default) a slow worker is just waited for; with one, a worker slower
// than the timeout is not waited for, but one that is faster is.
TEST(ThreadComm, ASlowWorkerWithinTheTimeoutIsWaitedFor) {
  for (const double timeout : {0.0, 5.0}) {
    std::atomic<int> done{0};
    run_threads(3, [&](Communicator& c) {
      c.set_collective_timeout(timeout);
      for (int i = 0; i < 3; ++i) {
        if (c.rank() == i) std::this_thread::sleep_for(std::chrono::milliseconds(300));
        std::vector<double> v(100000, 1.0);  // chunked: both exchanges wait
        c.allreduce_sum(std::span<double>(v));
        EXPECT_EQ(v[0], 3.0);
      }
      ++done;
    });
    EXPECT_EQ(done.load(), 3) << timeout;
  }
}

// A worker that stays hung after the others timed out cannot be joined: the process reports the
// failure and the hung worker on stderr and ends with exit code 1 after the grace period (the
// timeout, at least 1 s), instead of hanging in run_threads. A death test: it ends its process.
TEST(ThreadCommDeathTest, AWorkerThatStaysHungEndsTheProcessNamingIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        run_threads(3, [](Communicator& c) {
          c.set_collective_timeout(1.0);
          if (c.rank() == 1) std::this_thread::sleep_for(std::chrono::seconds(120));
          c.barrier();
        });
        std::exit(0);  // not reached: run_threads must not return (it would mean it joined)
      },
      ::testing::ExitedWithCode(1),
      "collective #1 \\(barrier\\) timed out: worker [02] waited 1 s \\(collective timeout\\) but "
      "worker 1 did not arrive; worker 1 still did not respond 1 s later: ending the process");
}

}  // namespace
}  // namespace dcopt

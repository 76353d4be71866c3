#pragma once
// ThreadComm: n workers of one process, for research speed (tens of thousands of collectives per
// second for small payloads, and thousands of workers at the cost of their own work). Use it
// through run_threads(), which owns the workers and the state they share:
//
//   run_threads(8, [&](Communicator& comm) { my_method(comm); });
//
// Workers are fibers (Boost.Context), run by a pool of OS threads, by default as many as the
// machine has cores (at most n): n is not the number of threads. Worker r runs on pool thread
// r % threads (unless ThreadRunOptions::migrate). Every collective is a lockstep phase: each worker
// runs until it enters its next collective and suspends there (a switch of a few nanoseconds, no
// system call); once all have entered, the collective is complete and every worker is resumed. The
// numbers never depend on the threads: every reduction is in rank order.
//
// A worker body may block its pool thread (sleep, compute, wait for I/O); that holds back the
// other workers of its thread. Workers sharing a thread interleave at collectives, so
// thread-local state that a body keeps across a collective (torch's grad mode, a Python thread
// state) is seen by the others: such bodies set ThreadRunOptions::thread_per_worker. Thread-local
// caches used within one call (the codecs' scratch buffers) are fine.
//
// Failure semantics (why: a research run must never hang because one worker died):
//   * If a worker's body throws, every worker blocked in a collective, or entering one later, is
//     released with CommError("worker <r> failed: <message>"), and run_threads rethrows the
//     ORIGINAL exception of the first failing worker (its own type), not the secondary
//     CommErrors.
//   * If a worker returns from its body while others still call collectives, those collectives
//     throw CommError instead of waiting forever for it.
//   * Ranks that call different collectives, or allreduce_sum with different lengths, element
//     types, reduce modes or gather limits, or broadcast/gather with different roots, all get
//     the same CommError naming what differed;
//     the cluster stays usable afterwards (this is a checked usage error, not a failure).
//   * With a collective timeout (Communicator::set_collective_timeout, per rank), a rank that
//     waited that long in a collective fails the run: every waiting rank, and every rank
//     entering a collective later, throws CommError("collective #<c> (<name>) timed out: worker
//     <r> waited <s> s (collective timeout) but worker(s) <list> did not arrive"). After a
//     failure, the workers that share a pool thread with a blocked one are released on another
//     pool thread (they unwind there; not under thread_per_worker, where none shares). A watchdog
//     thread checks the deadlines (every 10 ms), so a worker that blocks its pool thread is
//     detected even with one pool thread. If a worker that did not arrive still has not ended its
//     body a grace period later (the timeout, clamped to 1..10 s), it is hung: run_threads cannot
//     join it, so it prints that message and the hung ranks on stderr and ends the process with
//     _exit(1).
//     The second exchange of a chunked allreduce_sum never times out (other ranks still write
//     into this rank's buffer until it completes; no rank can hang between the two).
//   Waiting costs: a pool thread with nothing to run yields a few times (if there are no more
//   threads than cores), then sleeps on a futex; no system call happens unless a thread sleeps.
#include <functional>
#include <memory>

#include "dcopt/comm/communicator.hpp"

namespace dcopt {

class ThreadShared;  // the state the n workers of one run share (thread_comm.cpp)

/// One worker's endpoint. Created by run_threads(); not copyable; used by its own worker only.
class ThreadComm final : public Communicator {
 public:
  ThreadComm(ThreadShared& shared, int rank);
  ThreadComm(const ThreadComm&) = delete;
  ThreadComm& operator=(const ThreadComm&) = delete;

  int rank() const override { return rank_; }
  int size() const override;
  /// No payload moves: not metered.
  void barrier() override;
  using Communicator::allgather;
  using Communicator::gather;
  void allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) override;
  void broadcast(Bytes& bytes, int root) override;
  void gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) override;
  /// One exchange: when the last rank has entered, the thread that completes the collective
  /// runs rank 0's `combine` once on every rank's contribution in place (no copies) into a
  /// buffer the ranks share, and each rank copies the result into `out`.
  void allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                         CombineRef<double> combine) override;
  void allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                         CombineRef<float> combine) override;
  /// Summed once, in rank order, by the thread that completes the collective, reading every
  /// rank's buffer in place (one exchange), and copied into every rank's buffer. Exception: big
  /// vectors (see Communicator::allreduce_sum) when every rank has a thread of its own: rank r
  /// sums chunk r of every rank's buffer in place and writes the sum into every rank's buffer
  /// (two exchanges), so the work and the memory traffic are split over the threads. The ranks'
  /// buffers must not overlap. ReduceMode::native is the same code.
  void allreduce_sum(std::span<float> values) override;
  void allreduce_sum(std::span<double> values) override;

 private:
  template <class T>
  void allreduce(std::span<T> values);
  template <class T>
  void combine(std::span<const std::uint8_t> mine, std::span<T> out, CombineRef<T> f);

  ThreadShared& shared_;
  int rank_;
};

struct ThreadRunOptions {
  /// Pool threads: 0 = as many as the machine has cores (std::thread::hardware_concurrency),
  /// k >= 1 = k; never more than n. The calling thread is one of them.
  int threads = 0;
  /// Every worker keeps one OS thread of its own for its whole body (the pool has n threads):
  /// for bodies that keep per-thread state across collectives (torch). `threads` is ignored.
  bool thread_per_worker = false;
  /// A pool thread that has run its own workers of a phase runs the ones another thread has not
  /// started yet, so a thread the OS deschedules (a loaded machine) does not hold the phase
  /// back. A worker may then resume on another thread after a collective: only for bodies that
  /// keep no thread-local state across collectives (dcopt run's do not; gtest's SCOPED_TRACE
  /// does). Ignored under thread_per_worker.
  bool migrate = false;
};

/// Runs n >= 1 workers, each running `body` with its own ThreadComm of rank 0..n-1, on a pool of
/// threads (see above), waits for them all, then rethrows the first worker exception (if any).
/// Throws InvalidArgument if n < 1 or options.threads < 0. `body` is shared by all workers: it
/// must be safe to call concurrently.
void run_threads(int n, const std::function<void(Communicator&)>& body,
                 const ThreadRunOptions& options = {});

}  // namespace dcopt

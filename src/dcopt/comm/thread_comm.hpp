#pragma once
// ThreadComm: n workers as threads of one process, for research speed (tens of thousands of
// collectives per second for small payloads). Use it through run_threads(), which owns the
// threads and the state they share:
//
//   run_threads(8, [&](Communicator& comm) { my_method(comm); });
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
//     <r> waited <s> s (collective timeout) but worker(s) <list> did not arrive"). If a worker
//     that did not arrive still has not ended its body a grace period later (the timeout,
//     clamped to 1..10 s), it is hung: run_threads cannot join it, so it prints that message and
//     the hung ranks on stderr and ends the process with _exit(1).
//     The second exchange of a chunked allreduce_sum never times out (other ranks write into
//     this rank's buffer until it completes; no rank can hang between the two).
//   Waiting costs: a rank whose peers are late yields a few times, then sleeps on a futex (with
//   the timeout, if any); no system call happens unless some rank sleeps.
#include <functional>
#include <memory>

#include "dcopt/comm/communicator.hpp"

namespace dcopt {

class ThreadShared;  // the state the n workers of one run share (thread_comm.cpp)

/// One worker's endpoint. Created by run_threads(); not copyable; used by its own thread only.
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
  /// Small vectors (see Communicator::allreduce_sum): every rank copies its values into shared
  /// memory and sums all copies itself (one barrier). Big vectors: rank r sums chunk r of every
  /// rank's buffer in place and writes the sum into every rank's buffer (two barriers, no copy
  /// of the inputs), so the work and the memory traffic are split over the ranks. The ranks'
  /// buffers must not overlap. ReduceMode::native is the same code.
  void allreduce_sum(std::span<float> values) override;
  void allreduce_sum(std::span<double> values) override;

 private:
  template <class T>
  void allreduce(std::span<T> values);

  ThreadShared& shared_;
  int rank_;
};

/// Starts n >= 1 threads, each running `body` with its own ThreadComm of rank 0..n-1, joins
/// them all, then rethrows the first worker exception (if any). Throws InvalidArgument if n < 1.
/// `body` is shared by all threads: it must be safe to call concurrently.
void run_threads(int n, const std::function<void(Communicator&)>& body);

}  // namespace dcopt

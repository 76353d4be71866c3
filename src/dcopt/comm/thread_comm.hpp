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
//   * Ranks that call different collectives, or allreduce_sum with different lengths, or
//     broadcast/gather with different roots, all get the same CommError naming what differed;
//     the cluster stays usable afterwards (this is a checked usage error, not a failure).
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
  std::vector<Bytes> allgather(std::span<const std::uint8_t> mine) override;
  void broadcast(Bytes& bytes, int root) override;
  std::vector<Bytes> gather(std::span<const std::uint8_t> mine, int root) override;
  void allreduce_sum(std::span<double> values) override;

 private:
  ThreadShared& shared_;
  int rank_;
  /// How many collectives this rank has entered; selects the double-buffered slot and names
  /// the collective in error messages.
  std::uint64_t calls_ = 0;
};

/// Starts n >= 1 threads, each running `body` with its own ThreadComm of rank 0..n-1, joins
/// them all, then rethrows the first worker exception (if any). Throws InvalidArgument if n < 1.
/// `body` is shared by all threads: it must be safe to call concurrently.
void run_threads(int n, const std::function<void(Communicator&)>& body);

}  // namespace dcopt

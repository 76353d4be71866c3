#pragma once
// MpiComm: the Communicator over MPI (OpenMPI), one worker per MPI process.
//
//   int main(int argc, char** argv) {
//     dcopt::MpiSession session(argc, argv);  // MPI_Init unless already initialized
//     dcopt::MpiComm comm;                    // MPI_COMM_WORLD
//     ...
//   }                                          // comm freed, then MPI_Finalize
//
// Determinism: in the default ReduceMode::deterministic, allreduce_sum adds the contributions in
// rank order itself (after moving them with MPI_Alltoallv / MPI_Allgather(v)), exactly as
// ThreadComm does, so results are bit-identical across ranks and backends. An
// MPI_Allreduce(MPI_SUM) may add in any order; it is used only in the opt-in ReduceMode::native.
//
// Errors: every MPI return code is checked (the duplicated communicator uses
// MPI_ERRORS_RETURN) and a failure throws CommError with MPI's error string. Payloads whose size
// does not fit MPI's int counts throw CommError on every rank before any data moves.
// An MpiComm is not thread-safe: use it from one thread.
//
// Collective timeout (Communicator::set_collective_timeout; 0, the default, waits forever):
// with a timeout every MPI collective is started non-blocking (MPI_Iallgather, MPI_Ibcast, ...)
// and MPI_Test is polled until it completes or the timeout runs out. A rank that has waited
// min(1 s, timeout / 4) sends every other rank a small note "I am waiting in collective #c" (on
// a second private duplicate of the communicator, once per collective, so collectives that
// complete quickly send nothing); when its timeout runs out it collects notes for another
// 0.5 s and throws CommError("collective #<c> (<MPI call>) timed out: rank <r> waited <s> s
// (collective timeout) but rank(s) <list> did not arrive"), the list being the ranks whose
// note for #c it did not get. The collective stays started, so MpiComm cannot be used any more
// after that: the caller reports the error and calls MPI_Abort (dcopt run and dcopt train do).
// Without a timeout the blocking calls are used, as before.
#include <mpi.h>

#include <cstdint>

#include "dcopt/comm/communicator.hpp"

namespace dcopt {

/// Initializes MPI for the lifetime of the object unless it already is initialized; finalizes it
/// on destruction only if this object initialized it. Destroy every MpiComm before it.
class MpiSession {
 public:
  MpiSession();
  MpiSession(int& argc, char**& argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  /// True if this object called MPI_Init (and will call MPI_Finalize).
  bool owns_mpi() const { return owns_; }

 private:
  bool owns_ = false;
};

class MpiComm final : public Communicator {
 public:
  /// Works on a private duplicate of `comm` (so our messages never match anyone else's) whose
  /// error handler returns error codes. MPI must be initialized (CommError otherwise).
  /// Collective over `comm`.
  explicit MpiComm(MPI_Comm comm = MPI_COMM_WORLD);
  ~MpiComm() override;
  MpiComm(const MpiComm&) = delete;
  MpiComm& operator=(const MpiComm&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  /// No payload moves: not metered.
  void barrier() override;
  using Communicator::allgather;
  using Communicator::gather;
  /// MPI_Allgather of the sizes, then MPI_Allgatherv of the bytes.
  void allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) override;
  /// The allgather above (into a flat buffer, no per-rank copies), then `combine` on this rank.
  void allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                         CombineRef<double> combine) override;
  void allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                         CombineRef<float> combine) override;
  /// MPI_Bcast of the size, then of the bytes. All ranks must pass the same root.
  void broadcast(Bytes& bytes, int root) override;
  /// MPI_Allgather of the sizes (so every rank can check them and fail together), then
  /// MPI_Gatherv of the bytes. All ranks must pass the same root.
  void gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) override;
  /// First an MPI_Allgather of what each rank called (length, element type, mode, gather limit:
  /// 32 bytes, not metered), so a disagreement throws on every rank before any value moves. Then
  ///   * native: MPI_Allreduce(MPI_IN_PLACE, MPI_SUM);
  ///   * deterministic, small (see Communicator::allreduce_sum): MPI_Allgather of the values and
  ///     the sum in rank order on every rank;
  ///   * deterministic, big: MPI_Alltoallv sends chunk q of every rank to rank q, which sums the
  ///     n pieces in rank order, then MPI_Allgatherv (in place) of the summed chunks.
  void allreduce_sum(std::span<float> values) override;
  void allreduce_sum(std::span<double> values) override;

  MPI_Comm mpi_comm() const { return comm_; }

 private:
  /// One MPI collective: `blocking()` without a timeout; with one, `start(&request)` and
  /// wait_for() (throws CommError on timeout). Both return an MPI error code.
  template <class Blocking, class Start>
  void call(const char* what, Blocking&& blocking, Start&& start);
  void wait_for(MPI_Request& request, const char* what);
  /// Receives the notes that have arrived (see the header comment).
  void drain_notes();
  void allgather_sizes(std::uint64_t mine);
  /// The allgather into flat_ (counts_, displs_ describe it); returns the total bytes.
  std::uint64_t allgather_flat(std::span<const std::uint8_t> mine);
  template <class T>
  void combine(std::span<const std::uint8_t> mine, std::span<T> out, CombineRef<T> f);
  void check_root(int root, const char* what) const;
  /// Offsets of the ranks' parts in flat_ from sizes_ (counts_, displs_); returns the total.
  std::uint64_t layout_from_sizes(const char* what, const char* what_total);
  template <class T>
  void allreduce(std::span<T> values);
  template <class T>
  std::vector<T>& scratch();

  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Comm notes_ = MPI_COMM_NULL;    ///< "I am waiting" notes of timed collectives
  std::uint64_t collectives_ = 0;     ///< public collectives entered (#c of the current one)
  std::uint64_t note_buffer_ = 0;     ///< the number sent in this rank's notes
  std::vector<std::uint64_t> noted_;  ///< per rank: the last collective it noted waiting in
  int rank_ = 0;
  int size_ = 1;
  // Reused from call to call so steady-state collectives do not reallocate.
  std::vector<std::uint64_t> sizes_;
  std::vector<int> counts_;
  std::vector<int> displs_;
  std::vector<int> recv_counts_;
  std::vector<int> recv_displs_;
  std::vector<std::uint64_t> calls_;  ///< the ranks' allreduce calls, 4 words each
  Bytes flat_;
  std::vector<float> scratch_f32_;
  std::vector<double> scratch_f64_;
};

namespace detail {
/// `n` as an MPI count; CommError naming `what` if it does not fit in an int.
int to_mpi_count(std::uint64_t n, const char* what);
}  // namespace detail

}  // namespace dcopt

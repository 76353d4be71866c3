#pragma once
// OutputLock: one run at a time per output directory (docs/RELIABILITY.md). Two runs writing the
// same --out at once would each replace the other's directory; the second one is refused instead,
// naming the first one's pid. The lock is an flock(2) on the hidden file .<name>.lock next to
// the output directory, removed again when the run ends. The kernel releases the lock when the
// process ends, however it ends, so a crashed run (or one ended by _exit) never leaves a stale
// lock, at most the empty file, which the next run takes over.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/comm/communicator.hpp"

namespace dcopt::cli {

class OutputLock {
 public:
  /// Locks `out` (creating its parent directories if needed; the destructor removes those that
  /// are still empty). Throws InvalidArgument naming the
  /// other run's pid if another process holds the lock, std::runtime_error if the lock file
  /// cannot be created (naming it and the system's reason).
  explicit OutputLock(const std::filesystem::path& out);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  /// The lock file's path.
  static std::filesystem::path lock_file(const std::filesystem::path& out);

 private:
  void remove_created() noexcept;

  std::filesystem::path file_;
  std::vector<std::filesystem::path> created_;  ///< parents this lock created, outermost first
  int fd_ = -1;
};

/// Collective, for an MPI run whose rank 0 writes the outputs: rank 0 takes the lock of `out`,
/// every rank learns whether it got it, and all throw the same InvalidArgument if not. Returns
/// the lock on rank 0, null elsewhere.
std::unique_ptr<OutputLock> lock_output_on_root(Communicator& comm,
                                                const std::filesystem::path& out);

/// InvalidArgument unless the MPI job has one rank per configured worker (`source` names the
/// config), saying which mpirun -np to use.
void expect_one_rank_per_worker(const Communicator& comm, int workers, const std::string& source);

}  // namespace dcopt::cli

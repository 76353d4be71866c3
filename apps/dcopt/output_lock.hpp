#pragma once
// OutputLock: one run at a time per output directory (docs/RELIABILITY.md). Two runs writing the
// same --out at once would each replace the other's directory; the second one is refused instead,
// naming the first one's pid. The lock is an flock(2) on the hidden file .<name>.lock next to
// the output directory (created if missing, left in place: removing it would race with a run
// that just opened it); the kernel releases it when the process ends, however it ends, so a
// crashed run never leaves a stale lock.
#include <filesystem>

namespace dcopt::cli {

class OutputLock {
 public:
  /// Locks `out` (creating its parent directories if needed). Throws InvalidArgument naming the
  /// other run's pid if another process holds the lock, std::runtime_error if the lock file
  /// cannot be created (naming it and the system's reason).
  explicit OutputLock(const std::filesystem::path& out);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  /// The lock file's path.
  static std::filesystem::path lock_file(const std::filesystem::path& out);

 private:
  int fd_ = -1;
};

}  // namespace dcopt::cli

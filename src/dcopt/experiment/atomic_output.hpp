#pragma once
// An output directory that appears complete or not at all (DESIGN.md invariant 3). Files are
// written into a hidden temporary directory next to the destination, which commit() renames
// into place (replacing an earlier run's directory of the same name). If commit() is never
// reached (an error, an exception unwinding), the destructor removes the temporary directory
// and any parent directories it had to create, so a failed run leaves nothing behind.
#include <filesystem>
#include <vector>

namespace dcopt {

class AtomicOutputDir {
 public:
  /// Checks that `destination` is not an existing non-directory (InvalidArgument otherwise);
  /// creates nothing yet.
  explicit AtomicOutputDir(std::filesystem::path destination);
  ~AtomicOutputDir();
  AtomicOutputDir(const AtomicOutputDir&) = delete;
  AtomicOutputDir& operator=(const AtomicOutputDir&) = delete;

  /// Creates the temporary directory (and missing parents) on first call; returns it.
  const std::filesystem::path& staging();
  /// Renames the staging directory to the destination. An existing destination directory is
  /// moved aside first and deleted after the rename.
  void commit();

  const std::filesystem::path& destination() const { return destination_; }

 private:
  void discard() noexcept;
  std::filesystem::path destination_;
  std::filesystem::path staging_;
  std::vector<std::filesystem::path> created_parents_;  ///< deepest last
  bool committed_ = false;
};

}  // namespace dcopt

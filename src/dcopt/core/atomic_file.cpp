#include "dcopt/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

#include "dcopt/core/fnv1a_hash.hpp"

namespace dcopt {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void io_failure(const fs::path& p, const std::string& what, int err) {
  throw std::runtime_error(p.string() + ": " + what + ": " + std::strerror(err));
}

// Writes all of `bytes` to `fd`, retrying short writes and interruptions.
bool write_all(int fd, std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

void write_file_atomically(const fs::path& target, std::span<const std::uint8_t> bytes,
                           std::string_view what) {
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string writing = "writing ";
  writing += what;
  writing += " failed";
  std::random_device entropy;
  std::string tmp;
  int fd = -1;
  for (unsigned attempt = 0; fd < 0; ++attempt) {
    // Built by appending: GCC 12 warns falsely (-Wrestrict) on "x" + std::string chains.
    std::string name = ".";
    name += target.filename().string();
    name += ".tmp-";
    name += std::to_string(::getpid());
    name += '-';
    name += hex64((std::uint64_t{entropy()} << 32) | entropy());
    tmp = (dir / name).string();
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt > 100)) {
      io_failure(tmp, "cannot create a temporary file", errno);
    }
  }
  // fsync before the rename: otherwise a crash can leave the new name pointing at empty data.
  if (!write_all(fd, bytes) || ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    io_failure(tmp, writing, err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    io_failure(tmp, writing, err);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    std::string why = "cannot rename ";
    why += what;
    why += " into place";
    io_failure(target, why, err);
  }
  // The rename itself is durable once the directory is synced.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomically(const std::filesystem::path& target, std::string_view text,
                           std::string_view what) {
  write_file_atomically(target,
                        std::span<const std::uint8_t>(
                            reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                        what);
}

}  // namespace dcopt

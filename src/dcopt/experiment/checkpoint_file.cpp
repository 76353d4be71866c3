#include "dcopt/experiment/checkpoint_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void io_failure(const fs::path& p, const char* what, int err) {
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

fs::path checkpoint_file(const fs::path& dir) { return dir / "checkpoint.bin"; }

fs::path default_checkpoint_dir(const fs::path& out) {
  fs::path p = out;
  if (!p.has_filename()) p = p.parent_path();  // "runs/x/" names runs/x
  p += ".checkpoint";
  return p;
}

void write_checkpoint_file(const fs::path& dir, std::span<const std::uint8_t> bytes) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error(dir.string() +
                             ": cannot create the checkpoint directory: " + ec.message());
  const fs::path target = checkpoint_file(dir);
  // A fresh name in the same directory (rename is atomic only within one file system); mode
  // 0666 less the umask, like any other output file (mkstemp would make it 0600).
  std::string tmp;
  int fd = -1;
  for (unsigned attempt = 0; fd < 0; ++attempt) {
    tmp = (dir /
           (".checkpoint.bin.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(attempt)))
              .string();
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt > 1000)) {
      io_failure(tmp, "cannot create a temporary file", errno);
    }
  }
  // fsync before the rename: otherwise a crash can leave the new name pointing at empty data.
  if (!write_all(fd, bytes) || ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    io_failure(tmp, "writing the checkpoint failed", err);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    io_failure(tmp, "writing the checkpoint failed", err);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    io_failure(target, "cannot rename the new checkpoint into place", err);
  }
  // The rename itself is durable once the directory is synced.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::vector<std::uint8_t> read_checkpoint_file(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    throw InvalidArgument("--resume " + dir.string() +
                          ": no such directory; give the checkpoint directory a run wrote with "
                          "--checkpoint-every or --halt-after (default <out>.checkpoint)");
  }
  if (!fs::is_directory(dir, ec)) {
    throw InvalidArgument("--resume " + dir.string() +
                          ": not a directory; give the checkpoint directory (it holds "
                          "checkpoint.bin), not a file");
  }
  const fs::path file = checkpoint_file(dir);
  if (!fs::exists(file, ec)) {
    throw InvalidArgument(file.string() +
                          ": no checkpoint in this directory (a run writes checkpoint.bin "
                          "after its first --checkpoint-every round; a finished run removes it)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(file.string() + ": cannot read the checkpoint");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(file.string() + ": reading the checkpoint failed");
  return bytes;
}

void remove_checkpoint(const fs::path& dir) noexcept {
  std::error_code ec;
  fs::remove(checkpoint_file(dir), ec);
  // Temporary files of a process killed while writing (nobody else names files so).
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind(".checkpoint.bin.tmp-", 0) == 0) {
      stale.push_back(it->path());
    }
  }
  for (const fs::path& p : stale) fs::remove(p, ec);
  fs::remove(dir, ec);  // only succeeds if empty
}

}  // namespace dcopt

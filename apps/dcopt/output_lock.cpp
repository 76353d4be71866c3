#include "output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "dcopt/core/error.hpp"

namespace dcopt::cli {

std::filesystem::path OutputLock::lock_file(const std::filesystem::path& out) {
  std::filesystem::path dir = std::filesystem::absolute(out).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();
  std::string name = ".";
  name += dir.filename().string();
  name += ".lock";
  return dir.parent_path() / name;
}

OutputLock::OutputLock(const std::filesystem::path& out) {
  const std::filesystem::path file = lock_file(out);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);  // open() reports a failure
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    std::string what = out.string();
    what += ": cannot create the output lock ";
    what += file.string();
    what += ": ";
    what += std::strerror(errno);
    what += " (is the directory of --out writable?)";
    throw std::runtime_error(what);
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    std::string what = out.string();
    if (err == EWOULDBLOCK) {
      what += ": another dcopt run";
      if (n > 0) {
        what += " (pid ";
        what += std::string(buf, static_cast<std::size_t>(n));
        what += ")";
      }
      what += " is writing this output directory (lock ";
      what += file.string();
      what += "); wait for it to end or choose another --out";
    } else {
      what += ": cannot lock ";
      what += file.string();
      what += ": ";
      what += std::strerror(err);
    }
    throw InvalidArgument(what);
  }
  // Our pid, for the error message of a run that comes second.
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; only the other run's message would lack it.
  }
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace dcopt::cli

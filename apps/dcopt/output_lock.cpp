#include "output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
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

OutputLock::OutputLock(const std::filesystem::path& out) : file_(lock_file(out)) {
  // Parent directories we create go again with the lock (if still empty): a run that fails
  // creates nothing.
  for (std::filesystem::path p = file_.parent_path(); !p.empty() && !std::filesystem::exists(p);
       p = p.parent_path()) {
    created_.insert(created_.begin(), p);
    if (p == p.parent_path()) break;
  }
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);  // open() reports a failure
  // The file is removed when the lock is released, so a run may open a file that the run before
  // it is just removing: after locking, check that the path still names the file we locked.
  for (;;) {
    fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      const int err = errno;
      remove_created();
      std::string what = out.string();
      what += ": cannot create the output lock ";
      what += file_.string();
      what += ": ";
      what += std::strerror(err);
      what += " (is the directory of --out writable?)";
      throw std::runtime_error(what);
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      char buf[32] = {};
      const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
      ::close(fd_);
      fd_ = -1;
      remove_created();
      std::string what = out.string();
      if (err == EWOULDBLOCK) {
        what += ": another dcopt run";
        if (n > 0) {
          what += " (pid ";
          what += std::string(buf, static_cast<std::size_t>(n));
          what += ")";
        }
        what += " is writing this output directory (lock ";
        what += file_.string();
        what += "); wait for it to end or choose another --out";
      } else {
        what += ": cannot lock ";
        what += file_.string();
        what += ": ";
        what += std::strerror(err);
      }
      throw InvalidArgument(what);
    }
    struct stat held {};
    struct stat named {};
    if (::fstat(fd_, &held) == 0 && ::stat(file_.c_str(), &named) == 0 &&
        held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
      break;
    }
    ::close(fd_);  // we locked a file that was removed meanwhile: try again
    fd_ = -1;
  }
  // Our pid, for the error message of a run that comes second.
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; only the other run's message would lack it.
  }
}

void OutputLock::remove_created() noexcept {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    std::error_code ec;
    std::filesystem::remove(*it, ec);  // only if empty: the run may have put its output there
  }
  created_.clear();
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  // Removed while still locked (see the constructor for the run that opened it meanwhile).
  ::unlink(file_.c_str());
  ::close(fd_);
  remove_created();
}

std::unique_ptr<OutputLock> lock_output_on_root(Communicator& comm,
                                                const std::filesystem::path& out) {
  std::unique_ptr<OutputLock> lock;
  std::string error;
  if (comm.rank() == 0) {
    try {
      lock = std::make_unique<OutputLock>(out);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  Bytes message(error.begin(), error.end());
  comm.broadcast(message, 0);
  if (!message.empty()) throw InvalidArgument(std::string(message.begin(), message.end()));
  return lock;
}

void expect_one_rank_per_worker(const Communicator& comm, int workers, const std::string& source) {
  if (comm.size() != workers) {
    throw InvalidArgument(source + ": workers = " + std::to_string(workers) + " but " +
                          std::to_string(comm.size()) + " MPI ranks were started; run mpirun -np " +
                          std::to_string(workers) + " (one worker per rank)");
  }
}

}  // namespace dcopt::cli

#pragma once
// Runs a shell command line for end-to-end tests of the `dcopt` program and captures its exit
// code, standard output and standard error.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace dcopt::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Runs `command` through /bin/sh; stderr goes to a temporary file.
inline CommandResult run_command(const std::string& command) {
  char tmpl[] = "/tmp/dcopt_test_stderr_XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  std::string full = command + " 2>" + tmpl;
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  CommandResult r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(tmpl);
  std::remove(tmpl);
  return r;
}

inline std::string dcopt_binary() { return DCOPT_BINARY; }

/// Environment prefix for `mpirun` in tests: lets OpenMPI run as root in containers and avoids
/// its single-copy path, as tests/CMakeLists.txt does for the *_mpi test programs.
inline const std::string kMpiEnv =
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
    "OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1 ";

}  // namespace dcopt::testing

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "commands.hpp"

namespace dcopt::cli {

bool is_train_command(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string command = argv[1];
  // round-time reads a pretrain file's model and [communication] only: no tokenizing here.
  return command == "train" || command == "round-time";
}

std::filesystem::path dcopt_train_program(const char* argv0) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path(argv0).parent_path() : self.parent_path()) / "dcopt-train";
}

bool have_dcopt_train(const char* argv0, const std::string& command) {
  const std::filesystem::path program = dcopt_train_program(argv0);
  if (std::filesystem::exists(program)) return true;
  std::fprintf(stderr,
               "dcopt: error: 'dcopt %s' needs %s, which this build does not have (it was "
               "configured with -DDCOPT_WITH_TORCH=OFF, or dcopt-train was not installed next "
               "to dcopt); rebuild with LibTorch (libtorch-dev)\n",
               command.c_str(), program.c_str());
  return false;
}

// exec keeps the process (and so the MPI rank under mpirun: MPI is not initialized before this
// point).
int exec_dcopt_train(const char* argv0, const std::vector<std::string>& args) {
  if (!have_dcopt_train(argv0, args.empty() ? std::string("train") : args.front())) return 2;
  const std::filesystem::path program = dcopt_train_program(argv0);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(program.c_str(), argv.data());
  std::fprintf(stderr, "dcopt: error: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
  return 1;
}

// `dcopt train ...` is `dcopt-train train ...` (and `dcopt round-time ...` is `dcopt-train
// round-time ...`): the program next to this one, linked with LibTorch.
int exec_train(int argc, char** argv) {
  return exec_dcopt_train(argv[0], std::vector<std::string>(argv + 1, argv + argc));
}

}  // namespace dcopt::cli

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "commands.hpp"

namespace dcopt::cli {

bool is_train_command(int argc, char** argv) { return argc > 1 && std::string(argv[1]) == "train"; }

// `dcopt train ...` is `dcopt-train train ...`: the program next to this one, linked with
// LibTorch. exec keeps the process (and so the MPI rank under mpirun: MPI is not initialized
// before this point).
int exec_train(int argc, char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path program =
      (ec ? std::filesystem::path(argv[0]).parent_path() : self.parent_path()) / "dcopt-train";
  if (!std::filesystem::exists(program)) {
    std::fprintf(stderr,
                 "dcopt: error: 'dcopt train' needs %s, which this build does not have (it was "
                 "configured with -DDCOPT_WITH_TORCH=OFF, or dcopt-train was not installed next "
                 "to dcopt); rebuild with LibTorch (libtorch-dev)\n",
                 program.c_str());
    return 2;
  }
  std::vector<char*> args;
  args.push_back(const_cast<char*>(program.c_str()));
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(program.c_str(), args.data());
  std::fprintf(stderr, "dcopt: error: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace dcopt::cli

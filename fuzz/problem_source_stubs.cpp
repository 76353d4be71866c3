// The problem sources the catalog names (experiment/problem_catalog.cpp), for the fuzz build
// only: the experiment-file parser reads the catalog's kinds and families but never builds a
// problem, and the real sources would pull the whole problem and method layers into the
// instrumented library. Called anyway, they abort, so a parser that started building problems
// would show up as a crash instead of passing silently.
#include <cstdio>
#include <cstdlib>

#include "dcopt/experiment/problem_source.hpp"

namespace dcopt {
namespace {
[[noreturn]] void not_in_fuzz_build(const char* what) {
  std::fprintf(stderr, "fuzz: %s is not part of the fuzz build\n", what);
  std::abort();
}
}  // namespace

std::unique_ptr<ProblemSource> make_dataset_source(const ProblemConfig&, int, std::uint64_t) {
  not_in_fuzz_build("make_dataset_source");
}
std::unique_ptr<ProblemSource> make_quadratic_source(const ProblemConfig&, int, std::uint64_t) {
  not_in_fuzz_build("make_quadratic_source");
}
std::unique_ptr<ProblemSource> make_bilinear_source(const ProblemConfig&, int, std::uint64_t) {
  not_in_fuzz_build("make_bilinear_source");
}

}  // namespace dcopt

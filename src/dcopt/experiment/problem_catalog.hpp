#pragma once
// The catalog of problem kinds (`kind` in [problem]), like the codec and method catalogs: the
// one list that config validation, `dcopt methods` and the problem factory read.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/experiment/problem_source.hpp"
#include "dcopt/problems/problem_family.hpp"

namespace dcopt {

struct ProblemKindInfo {
  std::string kind;
  ProblemFamily family = ProblemFamily::minimization;
  std::string summary;
  std::function<std::unique_ptr<ProblemSource>(const ProblemConfig&, int workers,
                                               std::uint64_t seed)>
      make;
};

const std::vector<ProblemKindInfo>& problem_catalog();

/// The entry of `kind`: InvalidArgument "<context>: kind = ...: unknown problem kind; valid: ..."
const ProblemKindInfo& find_problem_kind(const std::string& kind, const std::string& context);

/// The kinds of one family ("logistic, nonconvex_binary, quadratic"), or of all (empty family).
std::string problem_kind_names();
std::string problem_kind_names(ProblemFamily family);

}  // namespace dcopt

#include "dcopt/experiment/problem_catalog.hpp"

#include "dcopt/core/error.hpp"

namespace dcopt {

const std::vector<ProblemKindInfo>& problem_catalog() {
  static const std::vector<ProblemKindInfo> catalog = {
      {"logistic", ProblemFamily::minimization,
       "L2-regularized logistic regression on a LibSVM or IDX dataset", make_dataset_source},
      {"nonconvex_binary", ProblemFamily::minimization,
       "the MARINA paper's non-convex binary loss (1 - 1/(1+exp(-y a^T x)))^2 on a dataset",
       make_dataset_source},
      {"quadratic", ProblemFamily::minimization,
       "synthetic least squares with known solution (heterogeneity configurable)",
       make_quadratic_source},
      {"bilinear", ProblemFamily::variational_inequality,
       "the MASHA paper's regularized bilinear saddle-point game, eq. (13)", make_bilinear_source},
  };
  return catalog;
}

std::string problem_kind_names() {
  std::string out;
  for (const auto& p : problem_catalog()) out += (out.empty() ? "" : ", ") + p.kind;
  return out;
}

std::string problem_kind_names(ProblemFamily family) {
  std::string out;
  for (const auto& p : problem_catalog()) {
    if (p.family == family) out += (out.empty() ? "" : ", ") + p.kind;
  }
  return out;
}

const ProblemKindInfo& find_problem_kind(const std::string& kind, const std::string& context) {
  for (const auto& p : problem_catalog()) {
    if (p.kind == kind) return p;
  }
  throw InvalidArgument(context + ": kind = \"" + kind +
                        "\": unknown problem kind; valid: " + problem_kind_names());
}

}  // namespace dcopt

#include "dcopt/problems/dataset_problem.hpp"

#include <algorithm>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/problems/logistic.hpp"
#include "dcopt/problems/nonconvex_binary.hpp"

namespace dcopt {

ProblemKind parse_problem_kind(std::string_view name) {
  if (name == "logistic") return ProblemKind::logistic;
  if (name == "nonconvex_binary") return ProblemKind::nonconvex_binary;
  throw InvalidArgument("unknown problem '" + std::string(name) +
                        "'; expected logistic or nonconvex_binary");
}

std::unique_ptr<Objective> make_objective(const Dataset& data, std::span<const std::uint32_t> rows,
                                          const ProblemOptions& options) {
  Dataset shard = data.subset(rows);
  switch (options.kind) {
    case ProblemKind::logistic: {
      LogisticOptions o;
      o.lambda = options.lambda;
      o.add_bias = options.add_bias.value_or(o.add_bias);
      o.bound = options.bound.value_or(o.bound);
      return std::make_unique<LogisticObjective>(std::move(shard), o);
    }
    case ProblemKind::nonconvex_binary: {
      NonconvexBinaryOptions o;
      o.lambda = options.lambda;
      o.add_bias = options.add_bias.value_or(o.add_bias);
      o.bound = options.bound.value_or(o.bound);
      o.reference_constant = options.reference_constant;
      return std::make_unique<NonconvexBinaryObjective>(std::move(shard), o);
    }
  }
  throw InvalidArgument("make_objective: unknown ProblemKind");
}

std::unique_ptr<Objective> make_worker_objective(const Dataset& data, std::size_t n,
                                                 std::size_t worker, const SplitOptions& split,
                                                 const ProblemOptions& options) {
  if (worker >= n) {
    throw InvalidArgument("worker " + std::to_string(worker) + " of " + std::to_string(n) +
                          "; expected worker < number of workers");
  }
  const Shards shards = split_rows(data, n, split);
  return make_objective(data, shards[worker], options);
}

std::vector<std::unique_ptr<Objective>> make_worker_objectives(const Dataset& data, std::size_t n,
                                                               const SplitOptions& split,
                                                               const ProblemOptions& options) {
  const Shards shards = split_rows(data, n, split);
  std::vector<std::unique_ptr<Objective>> out;
  out.reserve(n);
  for (const auto& rows : shards) out.push_back(make_objective(data, rows, options));
  return out;
}

double marina_reference_lambda(const Dataset& data, const Shards& shards, bool add_bias) {
  double best = 0.0;
  for (const auto& rows : shards) {
    for (std::uint32_t r : rows) {
      double s = add_bias ? 1.0 : 0.0;
      for (double v : data.row(r).values) s += v * v;
      best = std::max(best, s);
    }
  }
  return 1e-6 * kMarinaReferenceCurvature * best;
}

}  // namespace dcopt

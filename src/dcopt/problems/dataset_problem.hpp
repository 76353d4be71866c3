#pragma once
// Building the per-worker objectives of a distributed problem over a dataset: split the rows
// across n workers, then give each worker the loss on its shard. One worker's objective can be
// built alone (under MPI each rank builds only its own; the split is cheap and deterministic).
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "dcopt/data/dataset.hpp"
#include "dcopt/data/split.hpp"
#include "dcopt/problems/glm_objective.hpp"
#include "dcopt/problems/objective.hpp"

namespace dcopt {

enum class ProblemKind {
  logistic,          ///< LogisticObjective (convex, mu = lambda)
  nonconvex_binary,  ///< NonconvexBinaryObjective (MARINA experiments)
};

/// "logistic" or "nonconvex_binary"; anything else: InvalidArgument listing them.
ProblemKind parse_problem_kind(std::string_view name);

struct ProblemOptions {
  ProblemKind kind = ProblemKind::nonconvex_binary;
  double lambda = 0.0;  ///< L2 weight
  /// Unset: each kind's default (logistic: no bias, spectral bound; nonconvex_binary: bias,
  /// max-row-norm bound as in the MARINA code).
  std::optional<bool> add_bias;
  std::optional<SmoothnessBound> bound;
  /// nonconvex_binary only: use the MARINA code's 0.15405 (see nonconvex_binary.hpp).
  bool reference_constant = false;
};

/// The objective on the given rows of `data` (labels must be +-1).
std::unique_ptr<Objective> make_objective(const Dataset& data, std::span<const std::uint32_t> rows,
                                          const ProblemOptions& options);

/// Worker `worker`'s objective when `data` is split across n workers by `split`.
std::unique_ptr<Objective> make_worker_objective(const Dataset& data, std::size_t n,
                                                 std::size_t worker, const SplitOptions& split,
                                                 const ProblemOptions& options);

/// All n workers' objectives (the in-process cluster).
std::vector<std::unique_ptr<Objective>> make_worker_objectives(const Dataset& data, std::size_t n,
                                                               const SplitOptions& split,
                                                               const ProblemOptions& options);

/// The MARINA reference code's lambda = 1e-6 * L with L = 0.15405 * max ||a_j||^2 over the rows
/// the workers hold (bias feature included): lets a user reproduce its runs.
double marina_reference_lambda(const Dataset& data, const Shards& shards, bool add_bias = true);

}  // namespace dcopt

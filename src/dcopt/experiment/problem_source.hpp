#pragma once
// What every worker's problem instance is built from, built once per process: the dataset read
// once and shared read-only by the worker threads (or read by each MPI rank), the generator
// parameters of a synthetic problem, the bilinear game with its solution. make_worker() is
// called concurrently from the worker threads.
#include <memory>
#include <string>

#include "dcopt/experiment/experiment_config.hpp"
#include "dcopt/experiment/problem_instance.hpp"

namespace dcopt {

class ProblemSource {
 public:
  virtual ~ProblemSource() = default;
  /// One line for logs and summary.json, e.g. "nonconvex_binary on mushrooms (8124 rows)".
  virtual std::string describe() const = 0;
  /// Worker `rank` of `workers`' instance. Thread-safe.
  virtual std::unique_ptr<ProblemInstance> make_worker(int rank) const = 0;
};

/// Reads the [problem] table (rejecting unknown keys), reads or generates the data. Errors:
/// InvalidArgument (bad key or value), DataError (missing or malformed data file).
std::unique_ptr<ProblemSource> make_problem_source(const ProblemConfig& problem, int workers,
                                                   std::uint64_t seed);

/// The sources of the kinds of problem_catalog.hpp (logistic and nonconvex_binary share one).
std::unique_ptr<ProblemSource> make_dataset_source(const ProblemConfig& problem, int workers,
                                                   std::uint64_t seed);
std::unique_ptr<ProblemSource> make_quadratic_source(const ProblemConfig& problem, int workers,
                                                     std::uint64_t seed);
std::unique_ptr<ProblemSource> make_bilinear_source(const ProblemConfig& problem, int workers,
                                                    std::uint64_t seed);

}  // namespace dcopt

#pragma once
// What a minimization method is built from on one worker.
#include <vector>

#include "dcopt/methods/minimization/problem_constants.hpp"
#include "dcopt/problems/objective.hpp"

namespace dcopt {

struct MinimizationSetup {
  const Objective& objective;         ///< this worker's f_i
  const ProblemConstants& constants;  ///< gathered from all workers
  std::vector<double> x0;             ///< initial point (same on every worker)
};

}  // namespace dcopt

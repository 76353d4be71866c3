#pragma once
// What an estimator is built for, beyond its settings: the vector length, the number of workers
// and the workers' local sample counts (for minibatch defaults). A network supplies these from
// its layout and data shards; the convex runs from ProblemConstants.
#include <cstddef>

namespace dcopt {

struct EstimatorSetup {
  std::size_t dim = 0;
  int workers = 1;
  std::size_t samples_min = 1;  ///< smallest local m
  std::size_t samples_max = 1;  ///< largest local m
};

}  // namespace dcopt

#pragma once
// What an estimator is built for, beyond its settings: the vector length, the number of workers,
// the workers' local sample counts (for minibatch defaults) and, for a network, the layout of
// its parameters. A network supplies these from its layout and data shards; the convex runs
// from ProblemConstants.
#include <cstddef>
#include <optional>

#include "dcopt/core/param_layout.hpp"

namespace dcopt {

struct EstimatorSetup {
  std::size_t dim = 0;
  int workers = 1;
  std::size_t samples_min = 1;  ///< smallest local m
  std::size_t samples_max = 1;  ///< largest local m
  /// The tensors of the vector (size() == dim), for per-tensor methods (PowerSGD's matrices).
  /// Absent (the convex runs): the vector is the single 1-D tensor "x" [dim].
  std::optional<ParamLayout> layout;

  /// `layout`, or the single tensor "x" [dim] when there is none.
  ParamLayout layout_or_flat() const {
    return layout ? *layout : ParamLayout::packed({{"x", {dim}}});
  }
};

}  // namespace dcopt

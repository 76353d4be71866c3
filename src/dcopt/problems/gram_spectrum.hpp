#pragma once
// lambda_max((1/m) A^T A) for the rows of a Dataset: the curvature factor in the smoothness
// constant of every generalized linear model (L = c * lambda_max((1/m) A^T A) + lambda).
#include "dcopt/data/dataset.hpp"

namespace dcopt {

/// Largest eigenvalue of (1/m) A^T A, A the m x d data matrix (0 if m == 0).
/// d <= 2000: exact, the dense Gram matrix is formed and solved with Eigen's self-adjoint
/// eigensolver, then raised by a relative 1e-10 so that rounding cannot make it fall below the
/// true value. Larger d: power iteration (at most 1000 steps, stopping at relative change
/// 1e-12) from a fixed start, raised by 1e-6 relative; an estimate from below in exact
/// arithmetic, so for such data prefer the max-row-norm bound when a guarantee matters.
double gram_max_eigenvalue(const Dataset& a);

/// max_j ||a_j||^2: a cheaper upper bound on the same eigenvalue (0 if m == 0).
double max_row_norm_sq(const Dataset& a);

}  // namespace dcopt

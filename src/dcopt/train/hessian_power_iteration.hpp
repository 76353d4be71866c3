#pragma once
// The sharpness of a loss at the current parameters: the Hessian eigenvalue of largest magnitude,
// by power iteration on Hessian-vector products (issue 9, `dcopt sharpness`; the paper's
// Figure 4c). Per iteration k, with v a unit vector over all parameters (one vector, the
// parameters concatenated):
//   Hv = d/dx <grad L(x), v>  (double backward: grad L built once with create_graph, then the
//                              gradient of <g, v> per iteration, retaining the graph)
//   lambda_k = <v, Hv> (the Rayleigh quotient), v = Hv / ||Hv||
// stopping when |lambda_k - lambda_{k-1}| <= tolerance * |lambda_k| or after max_iterations.
// Everything goes through torch::autograd::grad, never backward(create_graph): the parameters'
// .grad tensors (the FlatParameters views) are neither replaced nor written.
// The starting vector is N(0, I) from the caller's generator; the loss function must be
// deterministic (the network in eval(), a fixed batch).
#include <functional>
#include <vector>

#include "dcopt/train/torch_pch.hpp"

namespace dcopt::train {

struct PowerIterationOptions {
  int max_iterations = 100;  ///< >= 1
  double tolerance = 1e-4;   ///< relative change of the estimate that stops, >= 0
};

struct PowerIterationResult {
  double eigenvalue = 0.0;      ///< the last estimate (signed)
  std::vector<double> history;  ///< the estimate after each iteration (its convergence)
  bool converged = false;       ///< the tolerance was met before max_iterations
  double seconds = 0.0;
};

/// The top-|eigenvalue| of the Hessian of loss() with respect to `params` (float32 or float64,
/// every one requiring grad). InvalidArgument for bad options, no parameters or a loss that is
/// not a scalar; a Hessian-vector product of 0 (e.g. a linear loss) ends with eigenvalue 0.
PowerIterationResult hessian_top_eigenvalue(const std::function<torch::Tensor()>& loss,
                                            const std::vector<torch::Tensor>& params,
                                            torch::Generator& gen,
                                            const PowerIterationOptions& options = {});

}  // namespace dcopt::train

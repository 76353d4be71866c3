#pragma once
// PowerSGD (Vogels, Karimireddy, Jaggi 2019; ALGORITHMS.md §1.12): every worker sends rank-r
// factors of each parameter matrix of its error-corrected gradient, all-reduced in two phases
// (compress/powersgd.hpp, driven by StatefulAveragingEstimator), and x -= gamma * estimate.
// Settings (PyTorch's powerSGD_hook names in brackets):
//   rank                       r >= 1 [matrix_approximation_rank], default 1
//   start_iter                 dense warm-up steps, no error feedback [start_powerSGD_iter],
//                              default 0
//   min_compression_rate       compress a matrix only if rows*cols > rate * r*(rows+cols),
//                              default 2
//   min_numel                  compress a matrix only if rows*cols > min_numel (the MASHA
//                              paper's 2^16 threshold), default 0
//   orthogonalization_epsilon  added to the column norms in Gram-Schmidt, default 0
//   error_feedback             [use_error_feedback], default true
//   warm_start                 reuse Q from the previous step, default true
//   gamma                      the stepsize: required (there is no theory stepsize)
// No `codec` key (the factors travel as fp32 values), no `server_codec` (nothing is broadcast),
// `precision` only 32.
// The matrices come from EstimatorSetup::layout. The convex runs have none: their vector is the
// single 1-D tensor "x" [d], which PowerSGD sends dense (one phase of 32 d bits per worker, the
// estimate is the average gradient up to the rounding of the error memory).
// Cost per round: 1 full gradient; up = the exact sizes of both phases' messages; down = 0.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_powersgd(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer), over e.layout.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_powersgd_estimator(const Settings& s,
                                                              const EstimatorSetup& e,
                                                              StreamPlan& streams);

}  // namespace dcopt

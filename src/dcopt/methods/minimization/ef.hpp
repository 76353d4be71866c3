#pragma once
// Error feedback / EC-SGD (Stich et al. 2018; Karimireddy et al. 2019; ALGORITHMS.md §2.4),
// building block ErrorMemory:
//   worker i: p_i = gamma grad f_i(x^k) + e_i;  sends C(p_i);  e_i = p_i - C(p_i)
//   server:   u^k = mean C(p_i), broadcast;  x^{k+1} = x^k - u^k
// Converges exactly only when every grad f_i(x*) = 0 (a heterogeneous fixed point keeps e_i
// non-zero and biases the step).
// Default stepsize: gamma = 1 / (delta L_f). The theory (Stich & Karimireddy 2020) gives only
// gamma = O(1/(delta L)) with loose constants and practice tunes gamma from the GD stepsize;
// we divide GD's 1/L_f by delta (the compression error shrinks the effective step by up to a
// factor delta), which reduces to GD with the identity codec.
// Settings: codec (default topk:k=1, contractive; or unbiased with scale_unbiased = true, used as
//   Q/(omega+1)), scale_unbiased (default false), gamma, gamma_multiplier, precision,
//   server_codec.
// Cost per round: 1 full gradient; up = bits(C); down = the server broadcast.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_ef(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_ef_estimator(const Settings& s, const EstimatorSetup& e,
                                                        StreamPlan& streams);

}  // namespace dcopt

#pragma once
// DIANA (Mishchenko et al. 2019; ALGORITHMS.md §2.2): compressed gradient differences against
// learned shifts h_i (building block CompressedShift).
//   worker i: m_i = Q_i(grad f_i(x^k) - h_i) sent; h_i += alpha m_i
//   server:   m = mean m_i;  g^k = h + m (textbook) ; h += alpha m ; broadcasts g^k
//   x^{k+1} = x^k - gamma g^k
// variant = "reference": the MARINA reference code's DIANA (ALGORITHMS.md §3.5 (b)), which
// steps with the mean of the UPDATED shifts g^k = h^{k+1} = h + alpha m (same bits).
// Shifts start at 0 (as the reference code).
// Settings: codec (default randk:k=1, unbiased), alpha (default 1/(omega+1), 0 < alpha <= 1),
//   variant ("textbook" | "reference"), stepsize_rule ("auto" | "nonconvex" | "convex"),
//   gamma, gamma_multiplier, precision, server_codec.
// Theory stepsizes, with L = L_max (DIANA's analyses assume every f_i L-smooth):
//   nonconvex: 1 / (10 L sqrt(1 + omega/n) (omega + 2))   (VR-DIANA Thm 4 with m = 1, as coded
//              for the MARINA experiments)
//   convex:    1 / (L (1 + 4 omega/n))                      (unified SGD analysis, as in the
//              MARINA code's comments); "auto" uses it when every f_i declares strong convexity.
// Cost per round: 1 full gradient; up = bits(Q); down = the server broadcast.
#include <memory>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

std::unique_ptr<Method> make_diana(const Settings& s, const MinimizationSetup& setup);
/// The estimator alone, for any update rule (a network's optimizer): the same settings
/// minus the stepsize keys.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_diana_estimator(const Settings& s,
                                                           const EstimatorSetup& e,
                                                           StreamPlan& streams);

}  // namespace dcopt

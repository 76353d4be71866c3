#pragma once
// What a training run's [communication] table builds: the estimator of the global gradient that
// the update rule consumes (DESIGN.md, "One method, two worlds"). No method's loop is written
// here: every choice is an estimator of methods/.
//
//   method = "allreduce"   every worker's minibatch gradient through `codec` (default: dense
//                          fp32, summed by the communicator's allreduce), averaged: plain
//                          data-parallel SGD, or fp16 / bf16 / int8 / "mixed 8-bit" traffic.
//                          No error feedback.
//   any other name         that minimization method's estimator from the method catalog (its
//                          keys as in `dcopt run`), on fp32 buffers, with the model's layout.
//
// A `codec` containing "->" is a per-tensor policy (compress/compression_policy.hpp) applied to
// the model's layout, e.g. "numel>2^16 -> int8" (the MASHA paper's mixed 8-bit).
#include <memory>
#include <string>

#include "dcopt/core/param_layout.hpp"
#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"

namespace dcopt::train {

/// The estimator of `method` with the keys of `s` (unknown keys are rejected).
std::unique_ptr<GradientEstimator<float>> make_gradient_exchange(const std::string& method,
                                                                 const Settings& s,
                                                                 const EstimatorSetup& e,
                                                                 StreamPlan& streams);

/// Whether `method`'s full-gradient calls need the exact shard gradient (VR-MARINA finite-sum,
/// VR-DIANA) rather than a loader minibatch (vr_marina_online draws its own minibatches).
bool needs_shard_gradients(const std::string& method);

}  // namespace dcopt::train

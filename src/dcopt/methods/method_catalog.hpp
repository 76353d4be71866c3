#pragma once
// The one catalog of methods, minimization and variational-inequality alike: each entry names its
// family, what it is, its default codec, the keys it reads beyond the common ones (the table of
// docs/CONFIG.md is generated from them, and a test checks them against what the factories
// actually read), and its factories: the method for `dcopt run`, and for minimization methods
// with an estimator, the estimator alone on fp64 or fp32 buffers (for other update rules).
//
// Every make_* function here reads the method's keys from `s` and then rejects any key it did not
// read (a caller that stores its own keys in the same table marks them used first): this is the
// one place where a method's unknown keys are rejected.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/methods/estimators/gradient_estimator.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"
#include "dcopt/problems/problem_family.hpp"

namespace dcopt {

/// A key a method reads beyond the common ones (codec, server_codec, precision, gamma,
/// gamma_multiplier).
struct MethodKey {
  std::string key;
  std::string meaning;  ///< what it is, its default and valid values
};

template <class T>
using EstimatorFactory = std::function<std::unique_ptr<GradientEstimator<T>>(
    const Settings&, const EstimatorSetup&, StreamPlan&)>;

struct MethodInfo {
  std::string name;
  ProblemFamily family = ProblemFamily::minimization;
  std::string summary;
  /// The codec when `codec` is absent; empty: the method rejects `codec` (it sends dense
  /// vectors, or what `own_codec` says).
  std::string default_codec;
  /// For a method that rejects `codec` but compresses with a fixed scheme of its own
  /// (PowerSGD): what it sends, in words. Empty for every other method.
  std::string own_codec;
  /// false: the method has no theory stepsize and `gamma` must be given.
  bool theory_stepsize = true;
  std::vector<MethodKey> keys;
  /// Exactly one of the two, by family.
  std::function<std::unique_ptr<Method>(const Settings&, const MinimizationSetup&)>
      make_minimization;
  std::function<std::unique_ptr<Method>(const Settings&, const ViSetup&)> make_vi;
  /// Minimization methods only (all of them have an estimator).
  EstimatorFactory<double> make_estimator_f64;
  EstimatorFactory<float> make_estimator_f32;
};

const std::vector<MethodInfo>& method_catalog();

/// The entry of `name` in `family`: InvalidArgument (in the context of `s`) listing the valid
/// names of the family, or naming the other family when the method belongs to it.
const MethodInfo& find_method(const std::string& name, ProblemFamily family, const Settings& s);

std::unique_ptr<Method> make_minimization_method(const std::string& name, const Settings& s,
                                                 const MinimizationSetup& setup);
std::unique_ptr<Method> make_vi_method(const std::string& name, const Settings& s,
                                       const ViSetup& setup);
/// The estimator of minimization method `name` on T = double or float buffers.
template <class T>
std::unique_ptr<GradientEstimator<T>> make_estimator(const std::string& name, const Settings& s,
                                                     const EstimatorSetup& e, StreamPlan& streams);

/// The method-key table of docs/CONFIG.md (Markdown), generated from the catalog.
std::string method_keys_markdown();

}  // namespace dcopt

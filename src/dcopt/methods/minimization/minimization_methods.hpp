#pragma once
// The catalog of minimization methods, built by name from a Settings table.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/minimization/minimization_setup.hpp"

namespace dcopt {

struct MinimizationMethodInfo {
  std::string name;
  std::string summary;
  std::function<std::unique_ptr<Method>(const Settings&, const MinimizationSetup&)> make;
};

const std::vector<MinimizationMethodInfo>& minimization_methods();

/// Builds method `name`; unknown name: InvalidArgument listing the valid ones.
std::unique_ptr<Method> make_minimization_method(const std::string& name, const Settings& s,
                                                 const MinimizationSetup& setup);

}  // namespace dcopt

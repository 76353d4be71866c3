#pragma once
// The catalog of variational-inequality methods (MASHA paper and its baselines), built by name
// from a Settings table. Mirrors minimization_methods.hpp.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/core/settings.hpp"
#include "dcopt/methods/method.hpp"
#include "dcopt/methods/vi/vi_setup.hpp"

namespace dcopt {

struct ViMethodInfo {
  std::string name;
  std::string summary;
  std::function<std::unique_ptr<Method>(const Settings&, const ViSetup&)> make;
};

const std::vector<ViMethodInfo>& vi_methods();

/// Builds method `name`, then rejects any key of `s` the method did not read (a caller that
/// stores its own keys in the same table marks them used first). Unknown name or key, or an
/// invalid value: InvalidArgument naming it and what is valid.
std::unique_ptr<Method> make_vi_method(const std::string& name, const Settings& s,
                                       const ViSetup& setup);

}  // namespace dcopt

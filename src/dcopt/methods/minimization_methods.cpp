#include "dcopt/methods/minimization_methods.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/methods/gd.hpp"
#include "dcopt/methods/marina.hpp"

namespace dcopt {

const std::vector<MinimizationMethodInfo>& minimization_methods() {
  static const std::vector<MinimizationMethodInfo> catalog = {
      {"gd", "distributed gradient descent (uncompressed)", make_gd},
      {"marina", "MARINA: compressed gradient differences + rare full sync (Alg. 1)", make_marina},
  };
  return catalog;
}

std::unique_ptr<Method> make_minimization_method(const std::string& name, const Settings& s,
                                                 const MinimizationSetup& setup) {
  for (const auto& m : minimization_methods()) {
    if (m.name == name) return m.make(s, setup);
  }
  std::string valid;
  for (const auto& m : minimization_methods()) valid += (valid.empty() ? "" : ", ") + m.name;
  throw InvalidArgument(s.context() + ": unknown method '" + name + "'; valid: " + valid);
}

}  // namespace dcopt

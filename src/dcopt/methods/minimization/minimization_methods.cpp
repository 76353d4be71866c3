#include "dcopt/methods/minimization/minimization_methods.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/methods/minimization/dcgd.hpp"
#include "dcopt/methods/minimization/diana.hpp"
#include "dcopt/methods/minimization/ef.hpp"
#include "dcopt/methods/minimization/ef21.hpp"
#include "dcopt/methods/minimization/gd.hpp"
#include "dcopt/methods/minimization/marina.hpp"
#include "dcopt/methods/minimization/pp_marina.hpp"
#include "dcopt/methods/minimization/vr_diana.hpp"
#include "dcopt/methods/minimization/vr_marina.hpp"

namespace dcopt {

const std::vector<MinimizationMethodInfo>& minimization_methods() {
  static const std::vector<MinimizationMethodInfo> catalog = {
      {"gd", "distributed gradient descent (uncompressed)", make_gd},
      {"dcgd", "distributed compressed GD (QSGD-style): average of Q(grad f_i)", make_dcgd},
      {"diana", "DIANA: compressed differences to learned shifts", make_diana},
      {"vr_diana", "VR-DIANA: DIANA with L-SVRG minibatch gradients", make_vr_diana},
      {"ef", "error feedback (EC-SGD): compress gamma*grad + error memory", make_ef},
      {"ef21", "EF21: compressed differences to a tracked gradient (contractive codecs)",
       make_ef21},
      {"marina", "MARINA: compressed gradient differences + rare full sync (Alg. 1)", make_marina},
      {"vr_marina", "VR-MARINA, finite sums: minibatch gradient differences (Alg. 2)",
       make_vr_marina},
      {"vr_marina_online", "VR-MARINA, online/expectation case: sampled gradients (Alg. 3)",
       make_vr_marina_online},
      {"pp_marina", "PP-MARINA: MARINA with r sampled clients per round (Alg. 4)", make_pp_marina},
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

#include "dcopt/methods/vi/vi_methods.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/methods/vi/ef_gda.hpp"
#include "dcopt/methods/vi/eg.hpp"
#include "dcopt/methods/vi/eg_vr.hpp"
#include "dcopt/methods/vi/gda.hpp"
#include "dcopt/methods/vi/masha1.hpp"
#include "dcopt/methods/vi/masha2.hpp"
#include "dcopt/methods/vi/qeg.hpp"
#include "dcopt/methods/vi/qgda.hpp"

namespace dcopt {

const std::vector<ViMethodInfo>& vi_methods() {
  static const std::vector<ViMethodInfo> catalog = {
      {"gda", "gradient descent-ascent, uncompressed (negative control on bilinear games)",
       make_gda},
      {"qgda", "compressed GDA, unbiased codec (the MASHA paper's QGD baseline)", make_qgda},
      {"ef_gda", "GDA with error feedback, contractive codec (EF baseline)", make_ef_gda},
      {"eg", "extragradient (Korpelevich), uncompressed", make_eg},
      {"qeg", "extragradient with compressed operator values at both points", make_qeg},
      {"eg_vr", "variance-reduced extragradient (Alacaoglu-Malitsky), finite-sum oracle",
       make_eg_vr},
      {"masha1", "MASHA1: VR extragradient, compressed operator differences (Alg. 1)", make_masha1},
      {"masha2", "MASHA2: contractive codec + error feedback (ALGORITHMS.md §5.3 reconstruction)",
       make_masha2},
  };
  return catalog;
}

std::unique_ptr<Method> make_vi_method(const std::string& name, const Settings& s,
                                       const ViSetup& setup) {
  for (const auto& m : vi_methods()) {
    if (m.name == name) {
      auto method = m.make(s, setup);
      s.reject_unused();
      return method;
    }
  }
  std::string valid;
  for (const auto& m : vi_methods()) valid += (valid.empty() ? "" : ", ") + m.name;
  throw InvalidArgument(s.context() + ": unknown VI method '" + name + "'; valid: " + valid);
}

}  // namespace dcopt

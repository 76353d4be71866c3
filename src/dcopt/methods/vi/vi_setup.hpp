#pragma once
// What a VI method is built from on one device (MASHA paper problem (3)-(5)).
#include <vector>

#include "dcopt/methods/vi/vi_constants.hpp"
#include "dcopt/problems/composite_term.hpp"
#include "dcopt/problems/operator.hpp"

namespace dcopt {

struct ViSetup {
  const Operator& op;            ///< this device's F_m (possibly a finite sum of r terms)
  const CompositeTerm& h;        ///< h = ind_Z + (rho/2)||.||^2; identical on every device
  const ViConstants& constants;  ///< gathered from all devices (gather_vi_constants)
  std::vector<double> z0;        ///< initial point z^0 = w^0 (same on every device)
};

}  // namespace dcopt

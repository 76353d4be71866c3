#pragma once
// The composite term h of the MASHA paper's problem (3):
//   find z* in Z with <F(z*), z - z*> + h(z) - h(z*) >= 0 for all z in Z,
// restricted to the family every experiment we reproduce needs:
//   h(z) = indicator_Z(z) + (rho / 2) ||z||_2^2,    rho >= 0.
// rho > 0 makes h rho-strongly convex (the paper's mu_h in Assumption 2), so methods can run in
// the strongly monotone regime even when F is only monotone. Algorithms use h only through
// prox(gamma, .) (paper: prox_{gamma h}), which has a closed form for this family.
// A small immutable value type.
#include <span>

#include "dcopt/problems/constraint_set.hpp"

namespace dcopt {

class CompositeTerm {
 public:
  /// h = 0 on Z = R^d.
  CompositeTerm() = default;
  /// h = indicator_set + (l2 / 2) ||.||^2. Throws InvalidArgument unless l2 is finite and >= 0.
  explicit CompositeTerm(ConstraintSet set, double l2 = 0.0);

  const ConstraintSet& set() const { return set_; }
  /// rho, the weight of (rho/2)||z||^2.
  double l2() const { return l2_; }
  /// mu_h of paper Assumption 2: the strong convexity modulus of h, equal to rho.
  double strong_convexity() const { return l2_; }

  /// h(z); +infinity if z is not in Z up to the absolute slack `tol` (see ConstraintSet).
  double value(std::span<const double> z, double tol = 0.0) const;

  /// out = prox_{gamma h}(v) = argmin_{u in Z} { gamma h(u) + (1/2)||u - v||^2 }
  ///     = Proj_Z(v / (1 + gamma rho)).
  /// Why: on Z the objective is (1 + gamma rho)/2 ||u - v/(1 + gamma rho)||^2 + const, and the
  /// minimizer of a scaled squared distance over a convex set is the projection.
  /// gamma > 0 is a stepsize (units of 1/F). `out` may be the same span as `v`.
  void prox(double gamma, std::span<const double> v, std::span<double> out) const;

 private:
  ConstraintSet set_;
  double l2_ = 0.0;
};

}  // namespace dcopt

#pragma once
// The closed convex set Z of a variational inequality (MASHA paper problem (3)), and also the
// compact set C over which the gap function (paper eq. (11)) takes its supremum.
//
// Three shapes, enough for the papers' experiments and for tests with active constraints:
//   whole space R^d, the box [lo, hi]^d (same bounds for every coordinate; a bound may be
//   infinite, e.g. the nonnegative orthant [0, inf)^d), and the Euclidean ball B(center, radius).
// A small immutable value type: copy it freely, share it between threads.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace dcopt {

class ConstraintSet {
 public:
  enum class Kind { whole_space, box, ball };

  /// Z = R^d (any d).
  ConstraintSet() = default;
  static ConstraintSet whole_space() { return ConstraintSet(); }
  /// Z = [lo, hi]^d (any d). Requires lo <= hi, neither NaN, lo < +inf, hi > -inf.
  static ConstraintSet box(double lo, double hi);
  /// Z = {z : ||z - center||_2 <= radius} in dimension center.size(). Requires a non-empty,
  /// finite center and a finite radius >= 0.
  static ConstraintSet ball(std::vector<double> center, double radius);

  Kind kind() const { return kind_; }
  /// true for a ball and for a box with finite bounds.
  bool is_bounded() const;
  /// Box bounds (meaningful only for Kind::box).
  double lower() const { return lo_; }
  double upper() const { return hi_; }
  /// Ball data (meaningful only for Kind::ball).
  std::span<const double> center() const { return center_; }
  double radius() const { return radius_; }

  /// out = the Euclidean projection of v onto Z. `out` may be the same span as `v`.
  /// Throws InvalidArgument if the sizes differ or (ball) differ from center.size().
  void project(std::span<const double> v, std::span<double> out) const;
  /// prox of gamma * indicator_Z: the projection, whatever gamma > 0 is.
  void prox(double gamma, std::span<const double> v, std::span<double> out) const;

  /// z in Z, up to an absolute slack `tol` (per coordinate for a box, on the distance to the
  /// center for a ball). NaN entries are never contained.
  bool contains(std::span<const double> z, double tol = 0.0) const;
  /// Set inclusion `other` subset of *this, in dimension `dim` (needed when one side is a box,
  /// whose dimension is not fixed). A relative slack of 1e-12 absorbs round-off in the data.
  bool contains(const ConstraintSet& other, std::size_t dim) const;

  /// Support function sup_{u in Z} <g, u>; +infinity when Z is unbounded in a direction where
  /// g pulls (e.g. whole space and g != 0).
  double support(std::span<const double> g) const;

  /// e.g. "box[-1,1]", "ball(r=2,d=10)", "whole_space": for logs and error messages.
  std::string describe() const;

 private:
  void check_dim(std::size_t n, const char* what) const;

  Kind kind_ = Kind::whole_space;
  double lo_ = 0.0;
  double hi_ = 0.0;
  std::vector<double> center_;
  double radius_ = 0.0;
};

}  // namespace dcopt

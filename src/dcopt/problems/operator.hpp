#pragma once
// The per-device oracle of a variational inequality (DESIGN.md "Objective / Operator",
// ALGORITHMS.md §4.1, MASHA paper problem (3)-(5)).
//
// Device m of M holds an operator F_m : R^d -> R^d; the VI operator is F = (1/M) sum_m F_m. For
// stochastic methods F_m may be a finite sum F_m = (1/r) sum_{i<r} F_{m,i} (paper eq. (5)); a
// deterministic operator has r = 1 and F_{m,0} = F_m.
//
// For a saddle problem min_x max_y f(x, y) the point is z = (x, y) (x first, then y),
// d = d_x + d_y, and F(z) = (grad_x f, -grad_y f).
//
// The constraint set Z and the composite term h of problem (3) are not part of the operator:
// they are shared by all devices and live in ConstraintSet / CompositeTerm.
//
// Implementations are immutable after construction: every method is const and safe to call
// from several threads at once.
#include <cstddef>
#include <cstdint>
#include <span>

namespace dcopt {

class Operator {
 public:
  virtual ~Operator() = default;

  /// d: length of z (d = d_x + d_y for saddle problems).
  virtual std::size_t dim() const = 0;

  /// r: number of terms of the finite sum (1 if deterministic).
  virtual std::size_t num_terms() const = 0;

  /// out = F_m(z). Sizes must be dim(); `out` must not overlap `z`. One oracle call.
  virtual void apply(std::span<const double> z, std::span<double> out) const = 0;

  /// out = (1/|idx|) sum_{i in idx} F_{m,i}(z): a minibatch of |idx| term calls. Indices are in
  /// [0, num_terms()), may repeat (sampling with replacement counts a term twice); idx must not
  /// be empty. Over all indices 0..r-1 this equals apply(z) up to round-off.
  virtual void apply_terms(std::span<const double> z, std::span<const std::uint32_t> idx,
                           std::span<double> out) const = 0;

  /// L_m: the smallest L with ||F_m(u) - F_m(v)|| <= L ||u - v|| for all u, v (Euclidean norms).
  virtual double lipschitz() const = 0;

  /// Calligraphic L_m, the "Lipschitz in mean" constant of paper Assumption 1, eq. (6): the
  /// smallest value with (1/r) sum_i ||F_{m,i}(u) - F_{m,i}(v)||^2 <= L^2 ||u - v||^2.
  /// Always >= lipschitz() (Jensen); equal to it when r = 1.
  virtual double mean_term_lipschitz() const = 0;
};

}  // namespace dcopt

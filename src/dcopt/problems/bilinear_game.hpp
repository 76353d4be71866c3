#pragma once
// The distributed bilinear saddle-point problem of the MASHA paper, eq. (13):
//
//   min_{x in R^d} max_{y in R^d}  f(x, y) = (1/M) sum_m f_m(x, y),
//   f_m(x, y) = x^T A_m y + a_m^T x + b_m^T y + (lambda/2)||x||^2 - (lambda/2)||y||^2,
//   F_m(z) = (grad_x f_m, -grad_y f_m) = (A_m y + a_m + lambda x, -A_m^T x - b_m + lambda y).
//
// Dimensions. The paper writes A_m in R^{d x d}, a_m, b_m in R^d, x, y in R^d and "we take
// d = 100": d is the size of EACH block, so z = (x, y) has 2d = 200 entries there. Here
// BilinearGameParams::dim is that per-block d and every operator has dim() = 2d.
//
// Data generator (deterministic from the seed; any rank builds any device alone).
// Device m draws from Rng(seed, Purpose::data, worker = m, round = 0), in this order:
// G (d x d, column-major, N(0,1) entries), then a_m (d entries N(0,1)), then b_m (same).
//   * BilinearMatrices::positive_definite (default; the paper says "we generate positive definite
//     matrices A_m ... randomly" without saying how): A_m = G G^T / d + 0.1 I. Symmetric, with
//     eigenvalues in about [0.1, 4.1] (Marchenko-Pastur for the Wishart part); the 0.1 shift
//     keeps sigma_min(A_bar) >= 0.1, so the lambda = 0 game still has a unique saddle point.
//   * BilinearMatrices::gaussian (ALGORITHMS.md §10.1's generator): A_m = G / sqrt(d), i.e.
//     i.i.d. N(0, 1/d) entries.
// The data of device m depend only on (seed, m, dim, matrices): not on M, lambda or r.
//
// Finite sums (paper eq. (5)), for stochastic methods. With r = num_terms > 1, term i of
// device m is itself a game of the same form with data
//   A_{m,i} = A_m + s (E_i - E_bar),  a_{m,i} = a_m + s (e_i - e_bar),
//   b_{m,i} = b_m + s (f_i - f_bar),
// with s = term_noise, E_i with N(0, 1/d) entries and e_i, f_i ~ N(0, I) drawn from
// Rng(seed, Purpose::data, m, round = 1 + i) (E_i, then e_i, then f_i); bars are means over i.
// Centering makes the mean of the terms exactly (up to round-off) the deterministic device
// data, so r changes the oracle's noise, never the problem or its solution.
// Memory per device: about 8 (r + 1) d^2 bytes (r = 100, d = 100: 8 MB).
//
// Constants (derived; see bilinear_game.cpp for the proofs):
//   * Jacobian J_m = [[lambda I, A_m], [-A_m^T, lambda I]] and J_m^T J_m =
//     blockdiag(lambda^2 I + A_m A_m^T, lambda^2 I + A_m^T A_m), hence EXACTLY
//     L_m = sqrt(lambda^2 + sigma_max(A_m)^2). (The paper quotes the upper bound
//     ||A_m||_2 + lambda, valid but looser.)
//   * Mean-square term constant (Assumption 1): calL_m^2 = lambda^2 + max(lambda_max(mean_i
//     A_{m,i} A_{m,i}^T), lambda_max(mean_i A_{m,i}^T A_{m,i})).
//   * The symmetric part of every J is lambda I, so <F(u) - F(v), u - v> = lambda ||u - v||^2
//     exactly: mu = lambda, tight (monotone, mu = 0, when lambda = 0).
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dcopt/problems/composite_term.hpp"
#include "dcopt/problems/constraint_set.hpp"
#include "dcopt/problems/operator.hpp"

namespace dcopt {

enum class BilinearMatrices {
  positive_definite,  ///< A_m = G G^T / d + 0.1 I (the paper's "positive definite")
  gaussian,           ///< A_m = G / sqrt(d) (ALGORITHMS.md §10.1)
};

struct BilinearGameParams {
  std::size_t dim = 100;         ///< d: size of x and of y (the paper's d); z has 2d entries
  std::size_t num_devices = 10;  ///< M >= 1
  double lambda = 1.0;           ///< regularization, >= 0 (0: monotone, bilinear)
  std::uint64_t seed = 0;
  std::size_t num_terms = 1;  ///< r >= 1: terms per device (1: deterministic)
  double term_noise = 1.0;    ///< s >= 0: scale of the per-term perturbations (r > 1 only)
  BilinearMatrices matrices = BilinearMatrices::positive_definite;
};

/// Throws InvalidArgument naming the field and its valid range.
void validate(const BilinearGameParams& params);

/// One device's F_m (and its finite sum). Generates its own data from the params alone.
class BilinearDeviceOperator final : public Operator {
 public:
  /// Cost O(r d^2) generation + O(d^3) for L_m + O(r d^3) for calL_m when r > 1.
  BilinearDeviceOperator(const BilinearGameParams& params, std::size_t device);

  std::size_t dim() const override { return 2 * d_; }
  std::size_t num_terms() const override { return r_; }
  void apply(std::span<const double> z, std::span<double> out) const override;
  void apply_terms(std::span<const double> z, std::span<const std::uint32_t> idx,
                   std::span<double> out) const override;
  double lipschitz() const override { return lipschitz_; }
  double mean_term_lipschitz() const override { return mean_term_lipschitz_; }

  /// f_m(x, y) at z = (x, y): lets tests and users check F_m against the saddle function.
  double value(std::span<const double> z) const;
  std::size_t device() const { return device_; }
  double lambda() const { return lambda_; }
  /// A_m (d x d), a_m, b_m.
  const Eigen::MatrixXd& matrix() const { return a_mat_; }
  const Eigen::VectorXd& linear_x() const { return a_vec_; }
  const Eigen::VectorXd& linear_y() const { return b_vec_; }

 private:
  std::size_t d_;
  std::size_t r_;
  std::size_t device_;
  double lambda_;
  Eigen::MatrixXd a_mat_;
  Eigen::VectorXd a_vec_;
  Eigen::VectorXd b_vec_;
  // Only when r > 1: A_{m,i}, and a_{m,i}, b_{m,i} as the columns of d x r matrices.
  std::vector<Eigen::MatrixXd> term_mats_;
  Eigen::MatrixXd term_a_;
  Eigen::MatrixXd term_b_;
  double lipschitz_ = 0.0;
  double mean_term_lipschitz_ = 0.0;
};

/// The whole game: global quantities of F = (1/M) sum_m F_m, and a factory for devices.
/// Construction generates every device's deterministic data (not the terms) once:
/// O(M d^2) random numbers, O(M d^3) flops for the L_m and O(d^3) for z*. Immutable afterwards.
class BilinearGame {
 public:
  explicit BilinearGame(const BilinearGameParams& params);

  const BilinearGameParams& params() const { return params_; }
  std::size_t dim() const { return 2 * params_.dim; }
  std::size_t num_devices() const { return params_.num_devices; }

  /// Device m's operator (same as constructing BilinearDeviceOperator(params(), m) directly).
  BilinearDeviceOperator device(std::size_t m) const;
  std::unique_ptr<Operator> make_operator(std::size_t m) const;

  /// F(z) = (1/M) sum_m F_m(z) and f(z), from the averaged data A_bar, a_bar, b_bar.
  void apply(std::span<const double> z, std::span<double> out) const;
  double value(std::span<const double> z) const;
  const Eigen::MatrixXd& mean_matrix() const { return a_bar_; }
  const Eigen::VectorXd& mean_linear_x() const { return a_bar_vec_; }
  const Eigen::VectorXd& mean_linear_y() const { return b_bar_vec_; }

  /// L_m for every device (index m).
  std::span<const double> device_lipschitz() const { return device_lipschitz_; }
  /// L-hat = sqrt((1/M) sum_m L_m^2) (the paper's quadratic mean).
  double lipschitz_hat() const { return lipschitz_hat_; }
  /// L of the mean operator F: sqrt(lambda^2 + sigma_max(A_bar)^2) (exact).
  double lipschitz() const { return lipschitz_; }
  /// mu = lambda (exact and tight).
  double strong_monotonicity() const { return params_.lambda; }
  /// sqrt((1/M) sum_m calL_m^2). Not cached: builds every device's terms in turn,
  /// O(M r d^3) flops; equals lipschitz_hat() when r = 1.
  double mean_term_lipschitz_hat() const;

  /// The unconstrained saddle point z* (F(z*) = 0), by an LU solve of J z = -c.
  /// Throws InvalidArgument when it is not unique (lambda = 0 and A_bar singular).
  std::span<const double> solution() const;

  /// Gap function of paper eq. (11) for the VI with operator F and composite term h:
  ///   Gap(z) = sup_{u in C} [ <F(u), z - u> + h(z) - h(u) ],
  /// computed exactly (closed form, see bilinear_game.cpp). Requirements: C must lie inside
  /// h.set() (Z), checked, InvalidArgument otherwise. If z is not in Z (absolute slack 1e-9
  /// times (1 + ||z||_inf)) the value is +infinity, as h(z) = +infinity. With lambda + rho = 0
  /// and an unbounded C the supremum is +infinity unless it happens to be attained.
  /// Gap(z) >= 0 for z in C, and Gap(z) = 0 iff z solves the VI on Z, for z* in C.
  /// If `argmax` is non-empty (size dim()), it receives a maximizing u (when one exists).
  double gap(std::span<const double> z, const ConstraintSet& c,
             const CompositeTerm& h = CompositeTerm(), std::span<double> argmax = {}) const;

 private:
  BilinearGameParams params_;
  Eigen::MatrixXd a_bar_;
  Eigen::VectorXd a_bar_vec_;
  Eigen::VectorXd b_bar_vec_;
  std::vector<double> device_lipschitz_;
  double lipschitz_hat_ = 0.0;
  double lipschitz_ = 0.0;
  bool has_solution_ = false;
  std::vector<double> solution_;
};

}  // namespace dcopt

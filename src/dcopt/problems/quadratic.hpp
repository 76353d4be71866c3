#pragma once
// Synthetic distributed least squares with a known solution:
//   f_i(x) = (1/2m) ||A_i x - b_i||^2 + (rho/2) ||x||^2 = (1/m) sum_j f_ij(x),
//   f_ij(x) = (1/2) (a_ij^T x - b_ij)^2 + (rho/2) ||x||^2,   f = (1/n) sum_i f_i.
// Constants (ALGORITHMS.md §1.16), all exact: L_i = lambda_max(A_i^T A_i)/m + rho,
// mu_i = lambda_min(A_i^T A_i)/m + rho, calligraphic L_i^2 = (1/m) sum_j (||a_ij||^2 + rho)^2;
// for f: L_f, mu and x* from the averaged normal equations (Eigen).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dcopt/problems/objective.hpp"

namespace dcopt {

class QuadraticObjective final : public Objective {
 public:
  /// a: m x d matrix, row-major (m = b.size()); rho >= 0. Computes the constants (O(m d^2 + d^3)).
  QuadraticObjective(std::vector<double> a, std::vector<double> b, std::size_t dim, double rho);

  std::size_t dim() const override { return dim_; }
  std::size_t num_samples() const override { return b_.size(); }
  double value(std::span<const double> x) const override;
  void gradient(std::span<const double> x, std::span<double> g) const override;
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override;
  void minibatch_gradient(std::span<const double> x, std::span<const std::uint32_t> idx,
                          std::span<double> g) const override;
  double smoothness() const override { return smoothness_; }
  double mean_sample_smoothness() const override { return mean_smoothness_; }
  std::optional<double> strong_convexity() const override { return strong_convexity_; }

  std::span<const double> matrix() const { return a_; }  ///< A_i, m x d row-major
  std::span<const double> rhs() const { return b_; }     ///< b_i
  double rho() const { return rho_; }

 private:
  double residual(std::size_t j, std::span<const double> x) const;
  void check(std::size_t n, const char* op) const;

  std::vector<double> a_;
  std::vector<double> b_;
  std::size_t dim_;
  double rho_;
  double smoothness_ = 0.0;
  double mean_smoothness_ = 0.0;
  double strong_convexity_ = 0.0;
};

/// How to generate a problem. Worker i draws its own data from Rng(seed, Purpose::data, i), so
/// one worker's objective can be built without the others (each MPI rank builds its own).
struct QuadraticSpec {
  std::size_t workers = 4;  ///< n
  std::size_t rows = 50;    ///< m, rows per worker
  std::size_t dim = 10;     ///< d
  double rho = 1e-2;        ///< L2 weight
  double noise = 0.1;       ///< std of the noise added to b_i
  /// 0: all workers sample A_i (entries N(0,1)) and b_i = A_i x_plant + noise alike (i.i.d.).
  /// h > 0: worker i's rows are scaled by 1 + h i/(n-1) (spread of L_i) and its planted point
  /// is x_plant + h z_i, z_i ~ N(0, I) (the local minimizers drift apart as h grows).
  double heterogeneity = 0.0;
  std::uint64_t seed = 0;
};

/// Worker `worker`'s objective (0 <= worker < spec.workers).
QuadraticObjective make_quadratic_worker(const QuadraticSpec& spec, std::size_t worker);

/// All workers plus the global constants and solution.
struct QuadraticProblem {
  std::vector<QuadraticObjective> workers;
  std::vector<double> solution;   ///< x* = argmin f
  double optimal_value = 0.0;     ///< f(x*)
  double smoothness = 0.0;        ///< L_f = lambda_max(grad^2 f)
  double strong_convexity = 0.0;  ///< mu = lambda_min(grad^2 f)
};

QuadraticProblem make_quadratic_problem(const QuadraticSpec& spec);

}  // namespace dcopt

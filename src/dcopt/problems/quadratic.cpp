#include "dcopt/problems/quadratic.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::Map<const RowMajor> as_matrix(std::span<const double> a, std::size_t m, std::size_t d) {
  return {a.data(), static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(d)};
}

// The stream of the planted point every worker shares; the worker id is out of the range of
// real workers so it never coincides with a worker's own stream.
constexpr std::uint64_t kSharedStream = ~std::uint64_t{0};

}  // namespace

QuadraticObjective::QuadraticObjective(std::vector<double> a, std::vector<double> b,
                                       std::size_t dim, double rho)
    : a_(std::move(a)), b_(std::move(b)), dim_(dim), rho_(rho) {
  if (dim == 0 || b_.empty() || a_.size() != b_.size() * dim) {
    throw InvalidArgument("QuadraticObjective: A has " + std::to_string(a_.size()) +
                          " entries; expected rows (" + std::to_string(b_.size()) +
                          ", >= 1) x dim (" + std::to_string(dim) + ", >= 1)");
  }
  if (!(rho >= 0.0) || !std::isfinite(rho)) {
    throw InvalidArgument("QuadraticObjective: rho = " + std::to_string(rho) +
                          "; expected a finite number >= 0");
  }
  const std::size_t m = b_.size();
  const auto A = as_matrix(a_, m, dim);
  const Eigen::MatrixXd h = (A.transpose() * A) / static_cast<double>(m);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(h, Eigen::EigenvaluesOnly);
  smoothness_ = solver.eigenvalues().maxCoeff() + rho;
  strong_convexity_ = std::max(0.0, solver.eigenvalues().minCoeff()) + rho;
  double sum = 0.0;
  for (std::size_t j = 0; j < m; ++j) {
    const double lij = A.row(static_cast<Eigen::Index>(j)).squaredNorm() + rho;
    sum += lij * lij;
  }
  mean_smoothness_ = std::sqrt(sum / static_cast<double>(m));
}

void QuadraticObjective::check(std::size_t n, const char* op) const {
  if (n != dim_) {
    throw std::invalid_argument(std::string("QuadraticObjective::") + op + ": vector of size " +
                                std::to_string(n) + ", expected dim " + std::to_string(dim_));
  }
}

double QuadraticObjective::residual(std::size_t j, std::span<const double> x) const {
  const double* row = a_.data() + j * dim_;
  double t = 0.0;
  for (std::size_t k = 0; k < dim_; ++k) t += row[k] * x[k];
  return t - b_[j];
}

double QuadraticObjective::value(std::span<const double> x) const {
  check(x.size(), "value");
  double sum = 0.0, xx = 0.0;
  for (std::size_t j = 0; j < b_.size(); ++j) {
    const double r = residual(j, x);
    sum += r * r;
  }
  for (double v : x) xx += v * v;
  return 0.5 * sum / static_cast<double>(b_.size()) + 0.5 * rho_ * xx;
}

double QuadraticObjective::value_and_gradient(std::span<const double> x,
                                              std::span<double> g) const {
  check(x.size(), "gradient");
  check(g.size(), "gradient");
  double xx = 0.0;
  for (std::size_t k = 0; k < dim_; ++k) {
    g[k] = rho_ * x[k];
    xx += x[k] * x[k];
  }
  const double inv_m = 1.0 / static_cast<double>(b_.size());
  double sum = 0.0;
  for (std::size_t j = 0; j < b_.size(); ++j) {
    const double r = residual(j, x);
    sum += r * r;
    const double* row = a_.data() + j * dim_;
    const double c = r * inv_m;
    for (std::size_t k = 0; k < dim_; ++k) g[k] += c * row[k];
  }
  return 0.5 * sum * inv_m + 0.5 * rho_ * xx;
}

void QuadraticObjective::gradient(std::span<const double> x, std::span<double> g) const {
  value_and_gradient(x, g);
}

void QuadraticObjective::minibatch_gradient(std::span<const double> x,
                                            std::span<const std::uint32_t> idx,
                                            std::span<double> g) const {
  check(x.size(), "minibatch_gradient");
  check(g.size(), "minibatch_gradient");
  if (idx.empty()) throw std::invalid_argument("minibatch_gradient: empty minibatch");
  for (std::size_t k = 0; k < dim_; ++k) g[k] = rho_ * x[k];
  const double inv_b = 1.0 / static_cast<double>(idx.size());
  for (std::uint32_t j : idx) {
    if (j >= b_.size()) {
      throw std::out_of_range("minibatch_gradient: sample " + std::to_string(j) +
                              " >= num_samples " + std::to_string(b_.size()));
    }
    const double c = residual(j, x) * inv_b;
    const double* row = a_.data() + j * dim_;
    for (std::size_t k = 0; k < dim_; ++k) g[k] += c * row[k];
  }
}

QuadraticObjective make_quadratic_worker(const QuadraticSpec& spec, std::size_t worker) {
  if (spec.workers == 0 || worker >= spec.workers || spec.rows == 0 || spec.dim == 0) {
    throw InvalidArgument("quadratic problem: worker " + std::to_string(worker) + " of " +
                          std::to_string(spec.workers) + ", " + std::to_string(spec.rows) +
                          " rows, dim " + std::to_string(spec.dim) +
                          "; expected worker < workers and rows, dim >= 1");
  }
  if (!(spec.heterogeneity >= 0.0) || !(spec.noise >= 0.0)) {
    throw InvalidArgument("quadratic problem: heterogeneity and noise must be >= 0");
  }
  const std::size_t m = spec.rows, d = spec.dim;
  Rng shared(spec.seed, Purpose::data, kSharedStream);
  std::vector<double> plant(d);
  for (double& v : plant) v = shared.normal();

  Rng rng(spec.seed, Purpose::data, worker);
  const double scale = 1.0 + spec.heterogeneity * static_cast<double>(worker) /
                                 static_cast<double>(spec.workers > 1 ? spec.workers - 1 : 1);
  for (double& v : plant) v += spec.heterogeneity * rng.normal();
  std::vector<double> a(m * d), b(m);
  for (double& v : a) v = scale * rng.normal();
  for (std::size_t j = 0; j < m; ++j) {
    double t = 0.0;
    for (std::size_t k = 0; k < d; ++k) t += a[j * d + k] * plant[k];
    b[j] = t + spec.noise * rng.normal();
  }
  return QuadraticObjective(std::move(a), std::move(b), d, spec.rho);
}

QuadraticProblem make_quadratic_problem(const QuadraticSpec& spec) {
  QuadraticProblem p;
  p.workers.reserve(spec.workers);
  const Eigen::Index d = static_cast<Eigen::Index>(spec.dim);
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(d, d);
  Eigen::VectorXd c = Eigen::VectorXd::Zero(d);
  for (std::size_t i = 0; i < spec.workers; ++i) {
    p.workers.push_back(make_quadratic_worker(spec, i));
    const QuadraticObjective& w = p.workers.back();
    const std::size_t m = w.num_samples();
    const auto A = as_matrix(w.matrix(), m, spec.dim);
    const Eigen::Map<const Eigen::VectorXd> b(w.rhs().data(), static_cast<Eigen::Index>(m));
    h.noalias() += A.transpose() * A / static_cast<double>(m);
    c.noalias() += A.transpose() * b / static_cast<double>(m);
  }
  // grad f(x) = (1/n) sum_i [A_i^T (A_i x - b_i)/m + rho x] = 0  <=>  H x = c.
  h /= static_cast<double>(spec.workers);
  c /= static_cast<double>(spec.workers);
  h.diagonal().array() += spec.rho;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(h, Eigen::EigenvaluesOnly);
  p.smoothness = solver.eigenvalues().maxCoeff();
  p.strong_convexity = std::max(0.0, solver.eigenvalues().minCoeff());
  const Eigen::VectorXd x = h.ldlt().solve(c);
  p.solution.assign(x.data(), x.data() + d);
  double f = 0.0;
  for (const auto& w : p.workers) f += w.value(p.solution);
  p.optimal_value = f / static_cast<double>(spec.workers);
  return p;
}

}  // namespace dcopt

#include "dcopt/problems/gram_spectrum.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <vector>

namespace dcopt {
namespace {

constexpr std::size_t kExactMaxDim = 2000;

double exact(const Dataset& a) {
  const Eigen::Index d = static_cast<Eigen::Index>(a.num_features);
  const std::size_t m = a.num_rows();
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(d, d);
  // Dense blocks of rows through Eigen's rank update run at matrix-multiply speed; very sparse
  // rows are cheaper as outer products of their non-zeros.
  double avg_nnz = static_cast<double>(a.nnz()) / static_cast<double>(m);
  if (avg_nnz * avg_nnz * 8.0 < static_cast<double>(d) * static_cast<double>(d)) {
    for (std::size_t j = 0; j < m; ++j) {
      const SparseRow r = a.row(j);
      for (std::size_t p = 0; p < r.cols.size(); ++p) {
        for (std::size_t q = 0; q <= p; ++q)
          gram(r.cols[p], r.cols[q]) += r.values[p] * r.values[q];
      }
    }
  } else {
    constexpr std::size_t kBlock = 256;
    Eigen::MatrixXd block(d, static_cast<Eigen::Index>(kBlock));
    for (std::size_t start = 0; start < m; start += kBlock) {
      const std::size_t rows = std::min(kBlock, m - start);
      block.setZero();
      for (std::size_t j = 0; j < rows; ++j) {
        const SparseRow r = a.row(start + j);
        for (std::size_t p = 0; p < r.cols.size(); ++p) {
          block(r.cols[p], static_cast<Eigen::Index>(j)) = r.values[p];
        }
      }
      gram.selfadjointView<Eigen::Lower>().rankUpdate(
          block.leftCols(static_cast<Eigen::Index>(rows)));
    }
  }
  gram /= static_cast<double>(m);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram.selfadjointView<Eigen::Lower>(),
                                                        Eigen::EigenvaluesOnly);
  return std::max(0.0, solver.eigenvalues().maxCoeff()) * (1.0 + 1e-10);
}

double power_iteration(const Dataset& a) {
  const std::size_t d = a.num_features, m = a.num_rows();
  // A fixed, non-symmetric start so the top eigenvector is not orthogonal to it by accident.
  std::vector<double> v(d), w(d);
  for (std::size_t k = 0; k < d; ++k) v[k] = 1.0 + 1.0 / static_cast<double>(k + 1);
  double theta = 0.0;
  for (int it = 0; it < 1000; ++it) {
    double norm = 0.0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    if (norm == 0.0) return 0.0;
    for (double& x : v) x /= norm;
    std::fill(w.begin(), w.end(), 0.0);
    double rayleigh = 0.0;
    for (std::size_t j = 0; j < m; ++j) {
      const SparseRow r = a.row(j);
      double t = 0.0;
      for (std::size_t p = 0; p < r.cols.size(); ++p) t += r.values[p] * v[r.cols[p]];
      rayleigh += t * t;
      for (std::size_t p = 0; p < r.cols.size(); ++p) w[r.cols[p]] += t * r.values[p];
    }
    rayleigh /= static_cast<double>(m);
    std::swap(v, w);
    const bool done = std::abs(rayleigh - theta) <= 1e-12 * rayleigh;
    theta = rayleigh;
    if (done) break;
  }
  return theta * (1.0 + 1e-6);
}

}  // namespace

double gram_max_eigenvalue(const Dataset& a) {
  if (a.num_rows() == 0 || a.num_features == 0) return 0.0;
  return a.num_features <= kExactMaxDim ? exact(a) : power_iteration(a);
}

double max_row_norm_sq(const Dataset& a) {
  double best = 0.0;
  for (std::size_t j = 0; j < a.num_rows(); ++j) {
    double s = 0.0;
    for (double v : a.row(j).values) s += v * v;
    best = std::max(best, s);
  }
  return best;
}

}  // namespace dcopt

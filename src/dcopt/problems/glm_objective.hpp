#pragma once
// The shared engine of generalized linear models on a CSR shard:
//   f_i(x) = (1/m) sum_j loss(y_j a_j^T x) + (lambda/2) ||x||^2.
// `Loss` supplies the scalar loss of the margin t = y a^T x through static functions
//   double value(double t); double derivative(double t);
//   void value_and_derivative(double t, double& v, double& d);
// and is inlined into the CSR loops (a virtual call per sample would dominate sparse rows).
// Logistic and the MARINA non-convex loss are the two instances (logistic.hpp,
// nonconvex_binary.hpp).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "dcopt/core/error.hpp"
#include "dcopt/data/dataset.hpp"
#include "dcopt/problems/gram_spectrum.hpp"
#include "dcopt/problems/objective.hpp"

namespace dcopt {

/// Which upper bound on lambda_max((1/m) A^T A) the smoothness constant L_i uses.
enum class SmoothnessBound {
  spectral,      ///< lambda_max itself (gram_max_eigenvalue): the tightest
  max_row_norm,  ///< max_j ||a_j||^2: cruder, what the MARINA reference code uses
};

template <class Loss>
class GlmObjective : public Objective {
 public:
  /// shard: this worker's rows (labels +-1); add_bias inserts a constant-1 feature at column 0
  /// (d = features + 1); curvature: an upper bound c on |loss''|, so L_ij = c ||a_j||^2 + lambda.
  GlmObjective(Dataset shard, double lambda, bool add_bias, SmoothnessBound bound, double curvature)
      : data_(add_bias ? shard.with_leading_constant(1.0) : std::move(shard)), lambda_(lambda) {
    if (!(lambda >= 0.0) || !std::isfinite(lambda)) {
      throw InvalidArgument("regularization lambda = " + std::to_string(lambda) +
                            "; expected a finite number >= 0");
    }
    if (data_.num_rows() == 0) {
      throw InvalidArgument("objective on '" + data_.name + "': the shard has no rows");
    }
    for (double y : data_.labels) {
      if (y != 1.0 && y != -1.0) {
        throw InvalidArgument("objective on '" + data_.name + "': label " + std::to_string(y) +
                              "; expected binary labels -1/+1 (read the data with binary=true)");
      }
    }
    double sum_sq = 0.0;
    for (std::size_t j = 0; j < data_.num_rows(); ++j) {
      double n2 = 0.0;
      for (double v : data_.row(j).values) n2 += v * v;
      const double lij = curvature * n2 + lambda;
      sum_sq += lij * lij;
    }
    mean_smoothness_ = std::sqrt(sum_sq / static_cast<double>(data_.num_rows()));
    const double eig =
        bound == SmoothnessBound::spectral ? gram_max_eigenvalue(data_) : max_row_norm_sq(data_);
    smoothness_ = curvature * eig + lambda;
  }

  std::size_t dim() const override { return data_.num_features; }
  std::size_t num_samples() const override { return data_.num_rows(); }
  double smoothness() const override { return smoothness_; }
  double mean_sample_smoothness() const override { return mean_smoothness_; }

  /// The shard as used (with the bias column if added).
  const Dataset& data() const { return data_; }
  double lambda() const { return lambda_; }

  double value(std::span<const double> x) const override {
    check(x.size(), "value");
    double sum = 0.0;
    for (std::size_t j = 0; j < data_.num_rows(); ++j) sum += Loss::value(margin(j, x));
    return sum / static_cast<double>(data_.num_rows()) + 0.5 * lambda_ * norm_sq(x);
  }

  void gradient(std::span<const double> x, std::span<double> g) const override {
    check(x.size(), "gradient");
    check(g.size(), "gradient");
    start(x, g);
    const double inv_m = 1.0 / static_cast<double>(data_.num_rows());
    for (std::size_t j = 0; j < data_.num_rows(); ++j) {
      add_row(j, Loss::derivative(margin(j, x)) * data_.labels[j] * inv_m, g);
    }
  }

  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    check(x.size(), "value_and_gradient");
    check(g.size(), "value_and_gradient");
    start(x, g);
    const double inv_m = 1.0 / static_cast<double>(data_.num_rows());
    double sum = 0.0;
    for (std::size_t j = 0; j < data_.num_rows(); ++j) {
      double v = 0.0, dv = 0.0;
      Loss::value_and_derivative(margin(j, x), v, dv);
      sum += v;
      add_row(j, dv * data_.labels[j] * inv_m, g);
    }
    return sum * inv_m + 0.5 * lambda_ * norm_sq(x);
  }

  void minibatch_gradient(std::span<const double> x, std::span<const std::uint32_t> idx,
                          std::span<double> g) const override {
    check(x.size(), "minibatch_gradient");
    check(g.size(), "minibatch_gradient");
    if (idx.empty()) throw std::invalid_argument("minibatch_gradient: empty minibatch");
    start(x, g);
    const double inv_b = 1.0 / static_cast<double>(idx.size());
    for (std::uint32_t j : idx) {
      if (j >= data_.num_rows()) {
        throw std::out_of_range("minibatch_gradient: sample " + std::to_string(j) +
                                " >= num_samples " + std::to_string(data_.num_rows()));
      }
      add_row(j, Loss::derivative(margin(j, x)) * data_.labels[j] * inv_b, g);
    }
  }

 private:
  void check(std::size_t n, const char* op) const {
    if (n != data_.num_features) {
      throw std::invalid_argument(std::string("Objective::") + op + ": vector of size " +
                                  std::to_string(n) + ", expected dim " +
                                  std::to_string(data_.num_features));
    }
  }
  static double norm_sq(std::span<const double> x) {
    double s = 0.0;
    for (double v : x) s += v * v;
    return s;
  }
  // g = lambda x: the regularizer's gradient, then data terms are added row by row.
  void start(std::span<const double> x, std::span<double> g) const {
    for (std::size_t k = 0; k < x.size(); ++k) g[k] = lambda_ * x[k];
  }
  double margin(std::size_t j, std::span<const double> x) const {
    const std::uint64_t b = data_.row_ptr[j], e = data_.row_ptr[j + 1];
    double t = 0.0;
    for (std::uint64_t k = b; k < e; ++k) t += data_.values[k] * x[data_.col_idx[k]];
    return data_.labels[j] * t;
  }
  void add_row(std::size_t j, double coef, std::span<double> g) const {
    const std::uint64_t b = data_.row_ptr[j], e = data_.row_ptr[j + 1];
    for (std::uint64_t k = b; k < e; ++k) g[data_.col_idx[k]] += coef * data_.values[k];
  }

  Dataset data_;
  double lambda_;
  double smoothness_ = 0.0;
  double mean_smoothness_ = 0.0;
};

}  // namespace dcopt

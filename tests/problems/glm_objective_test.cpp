#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <numeric>

#include "dcopt/core/error.hpp"
#include "dcopt/data/libsvm_reader.hpp"
#include "dcopt/data/split.hpp"
#include "dcopt/problems/dataset_problem.hpp"
#include "dcopt/problems/gram_spectrum.hpp"
#include "dcopt/problems/logistic.hpp"
#include "dcopt/problems/nonconvex_binary.hpp"
#include "objective_test_support.hpp"

namespace dcopt {
namespace {

using namespace testing_support;

const std::string kLibsvm = std::string(DCOPT_SHARED_DATA) + "/libsvm/";

// A 300-row shard: enough rows to exercise the sums, small enough for fast finite differences.
Dataset shard_of(const std::string& file, std::size_t rows) {
  const Dataset all = read_libsvm(kLibsvm + file);
  std::vector<std::uint32_t> idx(rows);
  std::iota(idx.begin(), idx.end(), 0u);
  // Take every k-th row so both classes appear.
  const std::size_t step = all.num_rows() / rows;
  for (std::size_t j = 0; j < rows; ++j) idx[j] = static_cast<std::uint32_t>(j * step);
  return all.subset(idx);
}

TEST(Logistic, GradientMinibatchSmoothness) {
  LogisticOptions opt;
  opt.lambda = 1e-2;
  opt.add_bias = true;
  const LogisticObjective f(shard_of("mushrooms", 300), opt);
  EXPECT_EQ(f.dim(), 113u);
  EXPECT_EQ(f.num_samples(), 300u);
  EXPECT_EQ(f.strong_convexity(), 1e-2);
  expect_gradient_matches_finite_differences(f, 1, 0.3);
  expect_minibatch_consistent(f, 2);
  expect_smoothness_bound(f, 3);
  // The spectral bound is the default and is tighter than the row-norm one.
  opt.bound = SmoothnessBound::max_row_norm;
  const LogisticObjective crude(shard_of("mushrooms", 300), opt);
  EXPECT_LT(f.smoothness(), crude.smoothness());
  EXPECT_DOUBLE_EQ(crude.smoothness(), 22.0 / 4 + 1e-2);  // 21 ones + bias per mushrooms row
  // sqrt of the mean of 300 equal squares: a few roundings off (1e-12 relative).
  EXPECT_NEAR(f.mean_sample_smoothness(), 22.0 / 4 + 1e-2, 1e-12 * 5.51);
}

TEST(NonconvexBinary, GradientMinibatchSmoothness) {
  NonconvexBinaryOptions opt;
  opt.lambda = 1e-3;
  const NonconvexBinaryObjective f(shard_of("phishing", 300), opt);
  EXPECT_EQ(f.dim(), 69u);  // 68 features + bias
  EXPECT_FALSE(f.strong_convexity().has_value());
  expect_gradient_matches_finite_differences(f, 4, 0.5);
  expect_minibatch_consistent(f, 5);
  expect_smoothness_bound(f, 6);
  // Default bound: c * max_j ||a_j||^2 + lambda with the true curvature constant.
  EXPECT_DOUBLE_EQ(f.smoothness(),
                   kSigmoidSquaredCurvature * max_row_norm_sq(f.data()) + opt.lambda);
  opt.reference_constant = true;
  const NonconvexBinaryObjective ref(shard_of("phishing", 300), opt);
  EXPECT_DOUBLE_EQ(ref.smoothness(),
                   kMarinaReferenceCurvature * max_row_norm_sq(ref.data()) + opt.lambda);
  // calligraphic L_i from its definition.
  double s = 0.0;
  for (std::size_t j = 0; j < f.num_samples(); ++j) {
    double n2 = 0.0;
    for (double v : f.data().row(j).values) n2 += v * v;
    s += std::pow(kSigmoidSquaredCurvature * n2 + opt.lambda, 2);
  }
  EXPECT_NEAR(f.mean_sample_smoothness(), std::sqrt(s / 300), 1e-12 * f.mean_sample_smoothness());
  EXPECT_LE(f.mean_sample_smoothness(), f.smoothness());
}

TEST(NonconvexBinary, CurvatureConstant) {
  // Scan t in [-20, 20] with step 1e-5: |l''| is smooth with |l'''| < 1, so the scan misses the
  // maximum by less than 1e-10, far below the 5.7e-6 gap between the true max and 0.15405.
  double max_abs = 0.0;
  for (double t = -20.0; t <= 20.0; t += 1e-5) {
    max_abs = std::max(max_abs, std::abs(SigmoidSquaredLoss::second_derivative(t)));
  }
  EXPECT_LE(max_abs, kSigmoidSquaredCurvature);
  EXPECT_GT(max_abs, kSigmoidSquaredCurvature - 1e-9);
  // The MARINA code's 0.15405 is NOT an upper bound on |l''| (documented in nonconvex_binary.hpp).
  EXPECT_GT(max_abs, kMarinaReferenceCurvature);
  // The closed-form l'' agrees with differences of l' (central, h = 1e-5: error ~1e-10).
  for (double t : {-3.0, -0.5, 0.0, 0.4656, 2.0, 7.0}) {
    const double fd =
        (SigmoidSquaredLoss::derivative(t + 1e-5) - SigmoidSquaredLoss::derivative(t - 1e-5)) /
        2e-5;
    EXPECT_NEAR(SigmoidSquaredLoss::second_derivative(t), fd, 1e-8) << t;
  }
}

TEST(Losses, StableAtExtremeMargins) {
  for (double t : {-1e300, -1e6, -800.0, -40.0, 0.0, 40.0, 800.0, 1e6, 1e300}) {
    double v = 0, d = 0;
    SigmoidSquaredLoss::value_and_derivative(t, v, d);
    EXPECT_TRUE(std::isfinite(v) && std::isfinite(d)) << t;
    EXPECT_TRUE(v >= 0 && v <= 1) << t;
    LogisticLoss::value_and_derivative(t, v, d);
    EXPECT_TRUE(std::isfinite(v) && std::isfinite(d)) << t;
    EXPECT_TRUE(d >= -1 && d <= 0) << t;
    EXPECT_EQ(v, LogisticLoss::value(t));
    EXPECT_EQ(d, LogisticLoss::derivative(t));
  }
  EXPECT_DOUBLE_EQ(LogisticLoss::value(-800.0), 800.0);  // no exp(800) overflow
  EXPECT_EQ(SigmoidSquaredLoss::value(-800.0), 1.0);
  EXPECT_EQ(SigmoidSquaredLoss::value(800.0), 0.0);
}

TEST(GlmObjectives, NoNanAtExtremePoints) {
  const Dataset shard = shard_of("a9a", 200);
  LogisticOptions lo;
  lo.lambda = 1e-3;
  NonconvexBinaryOptions no;
  no.lambda = 1e-3;
  const LogisticObjective lf(shard, lo);
  const NonconvexBinaryObjective nf(shard, no);
  Rng rng(7, Purpose::test);
  for (double scale : {1e3, 1e8, 1e100}) {
    const std::vector<double> x = random_point(rng, nf.dim(), scale);
    std::vector<double> g(nf.dim());
    EXPECT_TRUE(std::isfinite(nf.value_and_gradient(x, g))) << scale;
    EXPECT_TRUE(vec::all_finite(g)) << scale;
    const std::vector<double> xl(x.begin(), x.begin() + static_cast<long>(lf.dim()));
    std::vector<double> gl(lf.dim());
    EXPECT_TRUE(std::isfinite(lf.value_and_gradient(xl, gl))) << scale;
    EXPECT_TRUE(vec::all_finite(gl)) << scale;
  }
}

TEST(GramSpectrum, PowerIterationMatchesExactAboveTheDenseLimit) {
  // colon-cancer has 2000 features; the bias column takes it past the exact path's limit, and
  // with 62 rows the exact value comes from the small 62 x 62 matrix A A^T / m. The top
  // eigenvalue is well separated (positive data), so 1000 power steps reach 1e-12; 1e-6 is the
  // documented safety margin.
  const Dataset ds = read_libsvm(kLibsvm + "colon-cancer").with_leading_constant();
  ASSERT_GT(ds.num_features, 2000u);
  Eigen::MatrixXd a =
      Eigen::MatrixXd::Zero(static_cast<long>(ds.num_rows()), static_cast<long>(ds.num_features));
  for (std::size_t j = 0; j < ds.num_rows(); ++j) {
    const SparseRow r = ds.row(j);
    for (std::size_t p = 0; p < r.cols.size(); ++p)
      a(static_cast<long>(j), r.cols[p]) = r.values[p];
  }
  const Eigen::MatrixXd small = a * a.transpose() / static_cast<double>(ds.num_rows());
  const double exact =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(small).eigenvalues().maxCoeff();
  const double got = gram_max_eigenvalue(ds);
  EXPECT_GE(got, exact);
  EXPECT_LE(got, exact * (1 + 2e-6));
  // And the exact path on a dense-side shard agrees with the same m x m computation.
  const Dataset narrow =
      read_libsvm(kLibsvm + "mushrooms").subset(std::vector<std::uint32_t>{0, 5, 99, 1000, 4000});
  Eigen::MatrixXd b = Eigen::MatrixXd::Zero(5, static_cast<long>(narrow.num_features));
  for (std::size_t j = 0; j < 5; ++j) {
    const SparseRow r = narrow.row(j);
    for (std::size_t p = 0; p < r.cols.size(); ++p)
      b(static_cast<long>(j), r.cols[p]) = r.values[p];
  }
  const double exact2 = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(b * b.transpose() / 5.0)
                            .eigenvalues()
                            .maxCoeff();
  EXPECT_GE(gram_max_eigenvalue(narrow), exact2);
  EXPECT_LE(gram_max_eigenvalue(narrow), exact2 * (1 + 1e-9));
}

TEST(GlmObjectives, RejectBadInput) {
  LibsvmOptions keep;
  keep.binary = false;
  const Dataset multi = parse_libsvm("0 1:1\n1 2:1\n2 1:1\n", "<string>", keep);
  EXPECT_THROW(LogisticObjective{multi}, InvalidArgument);
  const Dataset ok = parse_libsvm("-1 1:1\n1 2:1\n", "<string>");
  LogisticOptions neg;
  neg.lambda = -1;
  EXPECT_THROW((LogisticObjective{ok, neg}), InvalidArgument);
  const LogisticObjective f(ok);
  std::vector<double> x(3), g(2);
  EXPECT_THROW(f.value(x), std::invalid_argument);
}

TEST(DatasetProblem, WorkersBuiltAloneMatchTheCluster) {
  const Dataset ds = read_libsvm(kLibsvm + "mushrooms");
  SplitOptions split;  // contiguous, remainder dropped: the MARINA setting
  ProblemOptions opt;  // nonconvex_binary with bias
  opt.lambda = marina_reference_lambda(ds, split_rows(ds, 5, split));
  EXPECT_DOUBLE_EQ(opt.lambda, 1e-6 * 0.15405 * 22);
  const auto all = make_worker_objectives(ds, 5, split, opt);
  ASSERT_EQ(all.size(), 5u);
  Rng rng(11, Purpose::test);
  const std::vector<double> x = random_point(rng, 113, 0.2);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(all[i]->dim(), 113u);
    EXPECT_EQ(all[i]->num_samples(), 1624u);
    const auto alone = make_worker_objective(ds, 5, i, split, opt);
    EXPECT_EQ(alone->value(x), all[i]->value(x));  // same rows, same order: identical
  }
  EXPECT_DOUBLE_EQ(all[0]->smoothness(), kSigmoidSquaredCurvature * 22 + opt.lambda);
  opt.kind = parse_problem_kind("logistic");
  EXPECT_EQ(make_worker_objective(ds, 5, 0, split, opt)->dim(), 112u);  // logistic: no bias
  EXPECT_THROW(make_worker_objective(ds, 5, 5, split, opt), InvalidArgument);
  EXPECT_THROW(parse_problem_kind("svm"), InvalidArgument);
}

}  // namespace
}  // namespace dcopt

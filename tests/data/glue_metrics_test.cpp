// GLUE's dev metrics against values computed by hand (the arithmetic is in the comments) and
// against scipy/scikit-learn's published definitions for the tie and zero-denominator cases.
#include "dcopt/data/glue_metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

// Ten binary examples: TP = 3 (truth 1, predicted 1), FN = 1, FP = 2, TN = 4.
struct Binary {
  std::vector<std::int64_t> labels{1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  std::vector<std::int64_t> predicted{1, 1, 1, 0, 1, 1, 0, 0, 0, 0};
};

TEST(GlueMetrics, BinaryConfusionMatrixByHand) {
  const Binary b;
  ConfusionMatrix c(2);
  for (std::size_t i = 0; i < b.labels.size(); ++i) c.add(b.labels[i], b.predicted[i]);
  EXPECT_EQ(c.at(1, 1), 3u);
  EXPECT_EQ(c.at(1, 0), 1u);
  EXPECT_EQ(c.at(0, 1), 2u);
  EXPECT_EQ(c.at(0, 0), 4u);
  EXPECT_EQ(c.total(), 10u);
  // accuracy = (TP + TN) / 10 = 7 / 10.
  EXPECT_DOUBLE_EQ(c.accuracy(), 0.7);
  // F1 = 2 TP / (2 TP + FP + FN) = 6 / 9.
  EXPECT_DOUBLE_EQ(c.f1_positive(), 2.0 / 3.0);
  // MCC = (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (12 - 2) / sqrt(5 4 6 5)
  //     = 10 / sqrt(600) = 0.408248...
  EXPECT_NEAR(c.matthews(), 10.0 / std::sqrt(600.0), 1e-15);
  // The free functions build the same matrix.
  EXPECT_DOUBLE_EQ(accuracy(b.predicted, b.labels), 0.7);
  EXPECT_DOUBLE_EQ(f1_positive(b.predicted, b.labels), 2.0 / 3.0);
  EXPECT_NEAR(matthews(b.predicted, b.labels), 10.0 / std::sqrt(600.0), 1e-15);
}

TEST(GlueMetrics, ThreeClassMatthewsByHand) {
  // truth {0,0,1,1,2,2}, predicted {0,1,1,1,2,0}: s = 6, correct c = 4, true counts t = (2,2,2),
  // predicted counts p = (2,3,1). sum p t = 4 + 6 + 2 = 12, sum p^2 = 14, sum t^2 = 12.
  // MCC = (c s - sum p t) / sqrt((s^2 - sum p^2)(s^2 - sum t^2)) = (24 - 12) / sqrt(22 * 24).
  const std::vector<std::int64_t> labels{0, 0, 1, 1, 2, 2}, predicted{0, 1, 1, 1, 2, 0};
  EXPECT_NEAR(matthews(predicted, labels), 12.0 / std::sqrt(22.0 * 24.0), 1e-15);
  EXPECT_DOUBLE_EQ(accuracy(predicted, labels), 4.0 / 6.0);
  // F1 of class 1, one against the rest: TP = 2, FP = 1 (a 0 predicted 1), FN = 0: 4 / 5.
  EXPECT_DOUBLE_EQ(f1_positive(predicted, labels), 0.8);
}

TEST(GlueMetrics, PerfectAndInversePredictions) {
  const std::vector<std::int64_t> labels{0, 1, 1, 0, 1};
  const std::vector<std::int64_t> inverse{1, 0, 0, 1, 0};
  EXPECT_DOUBLE_EQ(matthews(labels, labels), 1.0);
  EXPECT_DOUBLE_EQ(f1_positive(labels, labels), 1.0);
  EXPECT_DOUBLE_EQ(accuracy(labels, labels), 1.0);
  EXPECT_DOUBLE_EQ(matthews(inverse, labels), -1.0);
  EXPECT_DOUBLE_EQ(f1_positive(inverse, labels), 0.0);
}

TEST(GlueMetrics, ZeroDenominatorsGiveZero) {
  // No true and no predicted positive: F1 is 0/0, defined as 0 (scikit-learn's zero_division).
  const std::vector<std::int64_t> zeros{0, 0, 0};
  EXPECT_EQ(f1_positive(zeros, zeros), 0.0);
  // One class predicted: s^2 - sum p^2 = 0; the MCC is 0 however right the predictions are.
  const std::vector<std::int64_t> labels{0, 1, 0};
  EXPECT_EQ(matthews(zeros, labels), 0.0);
  // One class present (all labels 1): s^2 - sum t^2 = 0.
  const std::vector<std::int64_t> ones{1, 1, 1};
  EXPECT_EQ(matthews(labels, ones), 0.0);
  // Positives predicted but none true: TP = 0, F1 = 0 / (FP) = 0 (not a 0/0).
  EXPECT_EQ(f1_positive(ones, zeros), 0.0);
}

TEST(GlueMetrics, PearsonByHand) {
  // x = {1,2,3,4}, y = {2,4,5,9}: means 2.5, 5; dx = (-1.5,-.5,.5,1.5), dy = (-3,-1,0,4);
  // sxy = 4.5 + .5 + 0 + 6 = 11, sxx = 5, syy = 26: r = 11 / sqrt(130).
  const std::vector<double> x{1, 2, 3, 4}, y{2, 4, 5, 9};
  EXPECT_NEAR(pearson(x, y), 11.0 / std::sqrt(130.0), 1e-15);
  // Pearson is not rank-based: the monotone y has Spearman 1.
  EXPECT_DOUBLE_EQ(spearman(x, y), 1.0);
  const std::vector<double> neg{8, 6, 4, 2};
  EXPECT_NEAR(pearson(x, neg), -1.0, 1e-15);
}

TEST(GlueMetrics, SpearmanAveragesTiedRanks) {
  // x = {1,2,2,3} ranks {1, 2.5, 2.5, 4}; y = {1,3,2,4} ranks {1,3,2,4}. Means 2.5; dx = (-1.5,
  // 0, 0, 1.5), dy = (-1.5, .5, -.5, 1.5): sxy = 4.5, sxx = 4.5, syy = 5, rho = 4.5 / sqrt(22.5)
  // = 3 / sqrt(10) = 0.9486832980505138 (scipy.stats.spearmanr gives the same).
  const std::vector<double> x{1, 2, 2, 3}, y{1, 3, 2, 4};
  EXPECT_EQ(average_ranks(x), (std::vector<double>{1, 2.5, 2.5, 4}));
  EXPECT_NEAR(spearman(x, y), 3.0 / std::sqrt(10.0), 1e-15);
  // (Without averaging, ties broken by position, the ranks {1,2,3,4} would give 0.8.)
  // Three tied values at ranks 2..4 all get 3.
  EXPECT_EQ(average_ranks(std::vector<double>{10, 20, 10, 10, 5}),
            (std::vector<double>{3, 5, 3, 3, 1}));
}

TEST(GlueMetrics, ConstantInputsGiveNaN) {
  // 0.1 three times: its floating-point mean is not 0.1, but the variance is exactly 0.
  const std::vector<double> c{0.1, 0.1, 0.1}, y{1, 2, 3};
  EXPECT_TRUE(std::isnan(pearson(c, y)));
  EXPECT_TRUE(std::isnan(pearson(y, c)));
  EXPECT_TRUE(std::isnan(spearman(c, y)));
  const std::vector<double> one{1};
  EXPECT_TRUE(std::isnan(pearson(one, one)));
  const std::vector<double> nan{1, std::nan(""), 3};
  EXPECT_TRUE(std::isnan(spearman(nan, y)));
  EXPECT_TRUE(std::isnan(pearson(y, nan)));
}

TEST(GlueMetrics, RejectsBadInputs) {
  const std::vector<std::int64_t> two{0, 1}, three{0, 1, 1}, none, negative{0, -1};
  EXPECT_THROW(accuracy(two, three), InvalidArgument);
  EXPECT_THROW(f1_positive(none, none), InvalidArgument);
  EXPECT_THROW(matthews(negative, two), InvalidArgument);
  EXPECT_THROW(accuracy(two, negative), InvalidArgument);
  const std::vector<double> x{1, 2}, y{1, 2, 3}, empty;
  EXPECT_THROW(pearson(x, y), InvalidArgument);
  EXPECT_THROW(spearman(empty, empty), InvalidArgument);
  EXPECT_THROW(ConfusionMatrix(1), InvalidArgument);
  ConfusionMatrix c(3);
  EXPECT_THROW(c.add(3, 0), InvalidArgument);
  EXPECT_THROW(c.add(0, -1), InvalidArgument);
  EXPECT_THROW(c.accuracy(), InvalidArgument);  // nothing counted
  EXPECT_THROW(c.matthews(), InvalidArgument);
  c.add(2, 2);
  EXPECT_EQ(c.counts[2 * 3 + 2], 1u);
  EXPECT_DOUBLE_EQ(c.accuracy(), 1.0);
}

}  // namespace
}  // namespace dcopt

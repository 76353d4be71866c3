#pragma once
// GLUE's dev-set scores (Wang et al. 2019, as computed by the GLUE reference and by scikit-learn):
//   accuracy     fraction of predictions equal to the label (SST-2, MNLI, QNLI, RTE, MRPC, QQP)
//   f1           F1 of class 1, the positive class of MRPC (paraphrase) and QQP (duplicate):
//                2 TP / (2 TP + FP + FN); 0 when there is no true and no predicted positive
//                (scikit-learn's zero_division = 0)
//   matthews     Matthews correlation (CoLA), in the multi-class form (Gorodkin 2004, what
//                scikit-learn computes), which is the usual binary MCC for two classes:
//                  (c s - sum_k p_k t_k) / sqrt((s^2 - sum_k p_k^2) (s^2 - sum_k t_k^2))
//                with s examples, c correct, p_k predicted and t_k true counts of class k; 0 when
//                the denominator is 0 (one class predicted, or one class present)
//   pearson      Pearson correlation of predictions and targets (STS-B)
//   spearman     Pearson correlation of their ranks, ties given their average rank (STS-B)
// The classification metrics need only a confusion matrix: a distributed evaluation sums the
// workers' matrices (exact integer counts) instead of gathering predictions. Torch-free.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dcopt {

/// counts[truth * classes + predicted]: how often class `truth` was predicted as `predicted`.
struct ConfusionMatrix {
  std::size_t classes = 0;
  std::vector<std::uint64_t> counts;  ///< classes * classes

  ConfusionMatrix() = default;
  /// An all-zero matrix. InvalidArgument for fewer than 2 classes.
  explicit ConfusionMatrix(std::size_t num_classes);

  /// Counts one example. InvalidArgument for a class id outside [0, classes).
  void add(std::int64_t truth, std::int64_t predicted);
  std::uint64_t total() const;
  std::uint64_t at(std::size_t truth, std::size_t predicted) const {
    return counts[truth * classes + predicted];
  }

  /// The metrics above. InvalidArgument for an empty matrix (no example counted).
  double accuracy() const;
  double f1_positive() const;
  double matthews() const;
};

/// The same metrics from class ids. InvalidArgument for lengths that differ, empty inputs, or a
/// negative class id. The number of classes is max(2, largest id + 1).
double accuracy(std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels);
double f1_positive(std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels);
double matthews(std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels);

/// Correlations of x (predictions) and y (targets), in double. NaN when x or y has variance 0
/// (including a single pair) or when an input holds a NaN. InvalidArgument for lengths that differ
/// or empty inputs.
double pearson(std::span<const double> x, std::span<const double> y);
double spearman(std::span<const double> x, std::span<const double> y);

/// The 1-based ranks of v, ties given the average of the ranks they span ({10, 20, 10} ->
/// {1.5, 3, 1.5}). v must hold no NaN. Exposed for tests.
std::vector<double> average_ranks(std::span<const double> v);

}  // namespace dcopt

#include "dcopt/data/glue_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

void check_lengths(std::size_t a, std::size_t b, const char* what) {
  if (a != b) {
    std::string m = what;
    m += ": ";
    m += std::to_string(a);
    m += " predictions but ";
    m += std::to_string(b);
    m += " labels";
    throw InvalidArgument(m);
  }
  if (a == 0) {
    std::string m = what;
    m += ": no example";
    throw InvalidArgument(m);
  }
}

ConfusionMatrix confusion(std::span<const std::int64_t> predicted,
                          std::span<const std::int64_t> labels, const char* what) {
  check_lengths(predicted.size(), labels.size(), what);
  std::int64_t largest = 1;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (predicted[i] < 0 || labels[i] < 0) {
      std::string m = what;
      m += ": negative class id at example ";
      m += std::to_string(i);
      throw InvalidArgument(m);
    }
    largest = std::max({largest, predicted[i], labels[i]});
  }
  ConfusionMatrix c(static_cast<std::size_t>(largest) + 1);
  for (std::size_t i = 0; i < labels.size(); ++i) c.add(labels[i], predicted[i]);
  return c;
}

bool constant(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [&](double e) { return e == v[0]; });
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(std::size_t num_classes)
    : classes(num_classes), counts(num_classes * num_classes, 0) {
  if (num_classes < 2) {
    throw InvalidArgument("ConfusionMatrix: needs at least 2 classes, got " +
                          std::to_string(num_classes));
  }
}

void ConfusionMatrix::add(std::int64_t truth, std::int64_t predicted) {
  const auto k = static_cast<std::int64_t>(classes);
  if (truth < 0 || truth >= k || predicted < 0 || predicted >= k) {
    std::string m = "ConfusionMatrix: class id (true ";
    m += std::to_string(truth);
    m += ", predicted ";
    m += std::to_string(predicted);
    m += ") outside [0, ";
    m += std::to_string(classes);
    m += ")";
    throw InvalidArgument(m);
  }
  counts[static_cast<std::size_t>(truth) * classes + static_cast<std::size_t>(predicted)] += 1;
}

std::uint64_t ConfusionMatrix::total() const {
  return std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
}

double ConfusionMatrix::accuracy() const {
  const std::uint64_t s = total();
  if (s == 0) throw InvalidArgument("ConfusionMatrix::accuracy: no example counted");
  std::uint64_t correct = 0;
  for (std::size_t k = 0; k < classes; ++k) correct += at(k, k);
  return static_cast<double>(correct) / static_cast<double>(s);
}

double ConfusionMatrix::f1_positive() const {
  if (total() == 0) throw InvalidArgument("ConfusionMatrix::f1_positive: no example counted");
  const std::uint64_t tp = at(1, 1);
  std::uint64_t fp = 0, fn = 0;
  for (std::size_t k = 0; k < classes; ++k) {
    if (k == 1) continue;
    fp += at(k, 1);
    fn += at(1, k);
  }
  const std::uint64_t denominator = 2 * tp + fp + fn;
  if (denominator == 0) return 0.0;  // no true and no predicted positive
  return 2.0 * static_cast<double>(tp) / static_cast<double>(denominator);
}

double ConfusionMatrix::matthews() const {
  const std::uint64_t total_count = total();
  if (total_count == 0) throw InvalidArgument("ConfusionMatrix::matthews: no example counted");
  // Every term is an integer; in double they are exact below 2^53 (s < 9e7 examples).
  const auto s = static_cast<double>(total_count);
  double c = 0, pt = 0, pp = 0, tt = 0;
  for (std::size_t k = 0; k < classes; ++k) {
    double p = 0, t = 0;  // predicted as k, truly k
    for (std::size_t j = 0; j < classes; ++j) {
      p += static_cast<double>(at(j, k));
      t += static_cast<double>(at(k, j));
    }
    c += static_cast<double>(at(k, k));
    pt += p * t;
    pp += p * p;
    tt += t * t;
  }
  const double dp = s * s - pp, dt = s * s - tt;
  if (dp == 0 || dt == 0) return 0.0;
  return (c * s - pt) / (std::sqrt(dp) * std::sqrt(dt));
}

double accuracy(std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels) {
  return confusion(predicted, labels, "accuracy").accuracy();
}

double f1_positive(std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels) {
  return confusion(predicted, labels, "f1_positive").f1_positive();
}

double matthews(std::span<const std::int64_t> predicted, std::span<const std::int64_t> labels) {
  return confusion(predicted, labels, "matthews").matthews();
}

double pearson(std::span<const double> x, std::span<const double> y) {
  check_lengths(x.size(), y.size(), "pearson");
  // A constant input is detected exactly: its mean in floating point need not equal its value.
  if (constant(x) || constant(y)) return std::numeric_limits<double>::quiet_NaN();
  const auto n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / (std::sqrt(sxx) * std::sqrt(syy));
}

std::vector<double> average_ranks(std::span<const double> v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && v[order[j]] == v[order[i]]) ++j;
    // Positions i..j-1 (0-based) hold equal values: ranks i+1..j, average (i + 1 + j) / 2.
    const double r = (static_cast<double>(i) + 1.0 + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) rank[order[k]] = r;
    i = j;
  }
  return rank;
}

double spearman(std::span<const double> x, std::span<const double> y) {
  check_lengths(x.size(), y.size(), "spearman");
  // NaN has no rank (and would break the sort's ordering): the correlation is undefined.
  const auto is_nan = [](double e) { return std::isnan(e); };
  if (std::any_of(x.begin(), x.end(), is_nan) || std::any_of(y.begin(), y.end(), is_nan)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  return pearson(rx, ry);
}

}  // namespace dcopt

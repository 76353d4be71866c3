#include "dcopt/core/vec.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace dcopt::vec {
namespace {
void check_same(std::size_t a, std::size_t b, const char* op) {
  if (a != b) {
    throw std::invalid_argument(std::string("vec::") + op + ": size mismatch " + std::to_string(a) +
                                " vs " + std::to_string(b));
  }
}
}  // namespace

void axpy(double a, std::span<const double> x, std::span<double> y) {
  check_same(x.size(), y.size(), "axpy");
  for (std::size_t i = 0; i < x.size(); ++i) y[i] += a * x[i];
}

void axpby(double a, std::span<const double> x, double b, std::span<double> y) {
  check_same(x.size(), y.size(), "axpby");
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = a * x[i] + b * y[i];
}

void sub(std::span<const double> x, std::span<const double> y, std::span<double> out) {
  check_same(x.size(), y.size(), "sub");
  check_same(x.size(), out.size(), "sub");
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[i] - y[i];
}

void scale(double a, std::span<double> x) {
  for (double& v : x) v *= a;
}

void copy(std::span<const double> x, std::span<double> y) {
  check_same(x.size(), y.size(), "copy");
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i];
}

void fill(std::span<double> x, double value) {
  for (double& v : x) v = value;
}

double dot(std::span<const double> x, std::span<const double> y) {
  check_same(x.size(), y.size(), "dot");
  double s = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) s += x[i] * y[i];
  return s;
}

double norm2_sq(std::span<const double> x) {
  double s = 0.0;
  for (double v : x) s += v * v;
  return s;
}

double norm2(std::span<const double> x) { return std::sqrt(norm2_sq(x)); }

double norm1(std::span<const double> x) {
  double s = 0.0;
  for (double v : x) s += std::fabs(v);
  return s;
}

double norm_inf(std::span<const double> x) {
  double m = 0.0;
  for (double v : x) m = std::fmax(m, std::fabs(v));
  return m;
}

double dist2_sq(std::span<const double> x, std::span<const double> y) {
  check_same(x.size(), y.size(), "dist2_sq");
  double s = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double t = x[i] - y[i];
    s += t * t;
  }
  return s;
}

bool all_finite(std::span<const double> x) {
  for (double v : x) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

}  // namespace dcopt::vec

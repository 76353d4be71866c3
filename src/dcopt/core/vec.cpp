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

// One implementation per kernel, for T = double and T = float. Element-wise kernels compute in
// T; reductions widen each entry to double first (exact) and sum in index order, which for
// T = double is the plain loop.

template <class T>
void axpy_impl(T a, std::span<const T> x, std::span<T> y) {
  check_same(x.size(), y.size(), "axpy");
  for (std::size_t i = 0; i < x.size(); ++i) y[i] += a * x[i];
}

template <class T>
void axpby_impl(T a, std::span<const T> x, T b, std::span<T> y) {
  check_same(x.size(), y.size(), "axpby");
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = a * x[i] + b * y[i];
}

template <class T>
void sub_impl(std::span<const T> x, std::span<const T> y, std::span<T> out) {
  check_same(x.size(), y.size(), "sub");
  check_same(x.size(), out.size(), "sub");
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[i] - y[i];
}

template <class T>
void scale_impl(T a, std::span<T> x) {
  for (T& v : x) v *= a;
}

template <class T>
void copy_impl(std::span<const T> x, std::span<T> y) {
  check_same(x.size(), y.size(), "copy");
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i];
}

template <class T>
void fill_impl(std::span<T> x, T value) {
  for (T& v : x) v = value;
}

template <class T>
double dot_impl(std::span<const T> x, std::span<const T> y) {
  check_same(x.size(), y.size(), "dot");
  double s = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) s += static_cast<double>(x[i]) * y[i];
  return s;
}

template <class T>
double norm2_sq_impl(std::span<const T> x) {
  double s = 0.0;
  for (T e : x) {
    const double v = e;
    s += v * v;
  }
  return s;
}

template <class T>
double norm1_impl(std::span<const T> x) {
  double s = 0.0;
  for (T e : x) s += std::fabs(static_cast<double>(e));
  return s;
}

template <class T>
double norm_inf_impl(std::span<const T> x) {
  double m = 0.0;
  for (T e : x) m = std::fmax(m, std::fabs(static_cast<double>(e)));
  return m;
}

template <class T>
double dist2_sq_impl(std::span<const T> x, std::span<const T> y) {
  check_same(x.size(), y.size(), "dist2_sq");
  double s = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double t = static_cast<double>(x[i]) - static_cast<double>(y[i]);
    s += t * t;
  }
  return s;
}

template <class T>
bool all_finite_impl(std::span<const T> x) {
  for (T v : x) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

}  // namespace

void axpy(double a, std::span<const double> x, std::span<double> y) { axpy_impl(a, x, y); }
void axpy(float a, std::span<const float> x, std::span<float> y) { axpy_impl(a, x, y); }

void axpby(double a, std::span<const double> x, double b, std::span<double> y) {
  axpby_impl(a, x, b, y);
}
void axpby(float a, std::span<const float> x, float b, std::span<float> y) {
  axpby_impl(a, x, b, y);
}

void sub(std::span<const double> x, std::span<const double> y, std::span<double> out) {
  sub_impl(x, y, out);
}
void sub(std::span<const float> x, std::span<const float> y, std::span<float> out) {
  sub_impl(x, y, out);
}

void scale(double a, std::span<double> x) { scale_impl(a, x); }
void scale(float a, std::span<float> x) { scale_impl(a, x); }

void copy(std::span<const double> x, std::span<double> y) { copy_impl(x, y); }
void copy(std::span<const float> x, std::span<float> y) { copy_impl(x, y); }

void fill(std::span<double> x, double value) { fill_impl(x, value); }
void fill(std::span<float> x, float value) { fill_impl(x, value); }

double dot(std::span<const double> x, std::span<const double> y) { return dot_impl(x, y); }
double dot(std::span<const float> x, std::span<const float> y) { return dot_impl(x, y); }

double norm2_sq(std::span<const double> x) { return norm2_sq_impl(x); }
double norm2_sq(std::span<const float> x) { return norm2_sq_impl(x); }

double norm2(std::span<const double> x) { return std::sqrt(norm2_sq_impl(x)); }
double norm2(std::span<const float> x) { return std::sqrt(norm2_sq_impl(x)); }

double norm1(std::span<const double> x) { return norm1_impl(x); }
double norm1(std::span<const float> x) { return norm1_impl(x); }

double norm_inf(std::span<const double> x) { return norm_inf_impl(x); }
double norm_inf(std::span<const float> x) { return norm_inf_impl(x); }

double dist2_sq(std::span<const double> x, std::span<const double> y) {
  return dist2_sq_impl(x, y);
}
double dist2_sq(std::span<const float> x, std::span<const float> y) { return dist2_sq_impl(x, y); }

bool all_finite(std::span<const double> x) { return all_finite_impl(x); }
bool all_finite(std::span<const float> x) { return all_finite_impl(x); }

}  // namespace dcopt::vec

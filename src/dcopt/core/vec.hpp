#pragma once
// Dense vector kernels on std::span<double> and std::span<float>. Each kernel has one overload
// per element type T with the same name; scalars (a, b, value) are of the element type, so the
// element-wise kernels compute in T (y[i] += a * x[i] is a float multiply-add for float spans).
// Reductions (dot, norms, dist2_sq) return double and accumulate in double for both types, in
// index order, so results are bit-reproducible and a float vector's reduction equals that of its
// exact double copy. Sizes must match (checked; a mismatch is a programming error and throws
// std::invalid_argument). Both overloads share one implementation (vec.cpp).
#include <cstddef>
#include <span>
#include <vector>

namespace dcopt::vec {

using Vec = std::vector<double>;

/// y += a * x
void axpy(double a, std::span<const double> x, std::span<double> y);
void axpy(float a, std::span<const float> x, std::span<float> y);
/// y = a * x + b * y
void axpby(double a, std::span<const double> x, double b, std::span<double> y);
void axpby(float a, std::span<const float> x, float b, std::span<float> y);
/// out = x - y
void sub(std::span<const double> x, std::span<const double> y, std::span<double> out);
void sub(std::span<const float> x, std::span<const float> y, std::span<float> out);
/// x *= a
void scale(double a, std::span<double> x);
void scale(float a, std::span<float> x);
/// y = x
void copy(std::span<const double> x, std::span<double> y);
void copy(std::span<const float> x, std::span<float> y);
void fill(std::span<double> x, double value);
void fill(std::span<float> x, float value);
double dot(std::span<const double> x, std::span<const double> y);
double dot(std::span<const float> x, std::span<const float> y);
/// ||x||_2^2
double norm2_sq(std::span<const double> x);
double norm2_sq(std::span<const float> x);
double norm2(std::span<const double> x);
double norm2(std::span<const float> x);
double norm1(std::span<const double> x);
double norm1(std::span<const float> x);
double norm_inf(std::span<const double> x);
double norm_inf(std::span<const float> x);
/// ||x - y||_2^2 (the difference is formed in double)
double dist2_sq(std::span<const double> x, std::span<const double> y);
double dist2_sq(std::span<const float> x, std::span<const float> y);
/// true if every entry is finite
bool all_finite(std::span<const double> x);
bool all_finite(std::span<const float> x);

}  // namespace dcopt::vec

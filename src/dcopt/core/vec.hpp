#pragma once
// Dense vector kernels on std::span<double>. Sizes must match (checked; a mismatch is a
// programming error and throws std::invalid_argument). Reductions sum in index order so that
// results are bit-reproducible.
#include <cstddef>
#include <span>
#include <vector>

namespace dcopt::vec {

using Vec = std::vector<double>;

/// y += a * x
void axpy(double a, std::span<const double> x, std::span<double> y);
/// y = a * x + b * y
void axpby(double a, std::span<const double> x, double b, std::span<double> y);
/// out = x - y
void sub(std::span<const double> x, std::span<const double> y, std::span<double> out);
/// x *= a
void scale(double a, std::span<double> x);
/// y = x
void copy(std::span<const double> x, std::span<double> y);
void fill(std::span<double> x, double value);
double dot(std::span<const double> x, std::span<const double> y);
/// ||x||_2^2
double norm2_sq(std::span<const double> x);
double norm2(std::span<const double> x);
double norm1(std::span<const double> x);
double norm_inf(std::span<const double> x);
/// ||x - y||_2^2
double dist2_sq(std::span<const double> x, std::span<const double> y);
/// true if every entry is finite
bool all_finite(std::span<const double> x);

}  // namespace dcopt::vec

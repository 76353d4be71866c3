#pragma once
// Monte-Carlo estimates shared by the per-codec tests (ALGORITHMS.md §1.15): T independent
// draws of Q(x), each from its own stream (seed, compressor, worker 0, round t), decoded with a
// fresh copy of the same stream as a receiver would. Statistics in float64.
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt::testing_support {

struct MonteCarlo {
  /// ||mean_T Q(x) - x|| / ||x||
  double relative_bias = 0.0;
  /// mean_T ||Q(x) - x||^2 / ||x||^2 (estimates omega for unbiased codecs)
  double relative_error = 0.0;
  /// standard error of relative_error (sample std / sqrt(T))
  double relative_error_se = 0.0;
};

inline MonteCarlo monte_carlo(const Compressor& c, std::span<const double> x, int trials,
                              std::uint64_t seed) {
  const std::size_t d = x.size();
  const double xx = vec::norm2_sq(x);
  std::vector<double> mean(d, 0.0), out(d);
  double sum = 0.0, sum_sq = 0.0;
  for (int t = 0; t < trials; ++t) {
    Rng rng(seed, Purpose::compressor, 0, static_cast<std::uint64_t>(t));
    Message m = c.encode(x, rng);
    c.decode(m.bytes, out, Rng(seed, Purpose::compressor, 0, static_cast<std::uint64_t>(t)));
    vec::axpy(1.0 / trials, out, mean);
    const double e = vec::dist2_sq(out, x) / xx;
    sum += e;
    sum_sq += e * e;
  }
  MonteCarlo r;
  r.relative_bias = std::sqrt(vec::dist2_sq(mean, x) / xx);
  r.relative_error = sum / trials;
  const double var = std::max(0.0, sum_sq / trials - r.relative_error * r.relative_error);
  r.relative_error_se = std::sqrt(var / trials);
  return r;
}

/// A Gaussian vector with no exact zeros (so the support of Q(x) is visible in the output).
inline std::vector<double> gaussian_vector(std::size_t d, std::uint64_t seed) {
  Rng rng(seed, Purpose::test, d);
  std::vector<double> x(d);
  for (double& v : x) {
    do {
      v = rng.normal();
    } while (v == 0.0);
  }
  return x;
}

/// Header size in bits for dimension d: 8-bit codec id + LEB128 varint of d.
inline std::uint64_t header_bits(std::size_t d) {
  std::uint64_t groups = 1;
  while (d >= 128) {
    d >>= 7;
    ++groups;
  }
  return 8 + 8 * groups;
}

}  // namespace dcopt::testing_support

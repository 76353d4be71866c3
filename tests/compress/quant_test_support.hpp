#pragma once
// Helpers shared by the quantizing-codec tests: vectors, one encode/decode round trip, the
// Monte-Carlo mean over T draws, and the common header size.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt::quant_test {

inline std::vector<double> gaussian(std::size_t d, std::uint64_t seed) {
  Rng rng(seed, Purpose::test, d, 0);
  std::vector<double> x(d);
  for (double& v : x) v = rng.normal();
  return x;
}

/// Bits of [codec id][varint d].
inline std::uint64_t header_bits(std::size_t d) {
  std::uint64_t groups = 1;
  for (std::uint64_t v = d >> 7; v != 0; v >>= 7) ++groups;
  return 8 + 8 * groups;
}

inline std::vector<double> round_trip(const Compressor& c, const std::vector<double>& x,
                                      std::uint64_t draw, Message* out_msg = nullptr) {
  Rng rng(3, Purpose::compressor, 0, draw);
  Message m = c.encode(x, rng);
  std::vector<double> out(x.size());
  c.decode(m.bytes, out, Rng(3, Purpose::compressor, 0, draw));
  if (out_msg != nullptr) *out_msg = std::move(m);
  return out;
}

struct MonteCarlo {
  double rel_bias = 0.0;  ///< ||mean_T Q(x) - x|| / ||x||
  double rel_err = 0.0;   ///< mean_T ||Q(x) - x||^2 / ||x||^2
};

inline MonteCarlo monte_carlo(const Compressor& c, const std::vector<double>& x, int trials) {
  std::vector<double> mean(x.size(), 0.0);
  double err = 0.0;
  for (int t = 0; t < trials; ++t) {
    auto out = round_trip(c, x, static_cast<std::uint64_t>(t));
    vec::axpy(1.0 / trials, out, mean);
    err += vec::dist2_sq(out, x);
  }
  const double xx = vec::norm2_sq(x);
  return {std::sqrt(vec::dist2_sq(mean, x) / xx), err / trials / xx};
}

// Tolerance for unbiasedness (ALGORITHMS.md §1.15): E||mean_T - x||^2 = E||Q(x)-x||^2 / T <=
// omega ||x||^2 / T, so the relative bias has RMS at most sqrt(omega/T); 5x that is exceeded with
// probability <= 1/25 by Markov's inequality on the square, and far less in practice as the
// error is a sum of many independent terms. The seeds are fixed, so the outcome is reproducible;
// a biased codec (bias >> sqrt(omega/T) ~ 1e-3) fails it. 1e-12 absorbs double rounding.
inline double bias_tolerance(double omega, int trials) {
  return 5.0 * std::sqrt(omega / trials) + 1e-12;
}

}  // namespace dcopt::quant_test

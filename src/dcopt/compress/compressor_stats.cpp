#include "dcopt/compress/compressor_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {

CompressorStats measure_compressor(const Compressor& codec, std::size_t d, int trials,
                                   std::uint64_t seed) {
  if (d == 0) throw InvalidArgument("dimension must be >= 1");
  if (trials < 1) throw InvalidArgument("trials must be >= 1");
  const CompressorProperties p = codec.properties(d);
  CompressorStats s;
  s.spec = codec.spec();
  s.dim = d;
  s.trials = trials;
  s.unbiased = p.unbiased;
  s.omega_declared = p.omega;
  s.delta_declared = p.delta;
  s.density_declared = p.expected_density;

  // x depends on the seed only, not on `trials`: more trials refine the same estimates.
  std::vector<double> x(d), out(d), mean_err(d), m2(d);
  Rng xr(seed, Purpose::test, 0, 0);
  for (double& v : x) v = xr.normal();
  const double xx = vec::norm2_sq(x);
  double err_sq = 0.0, nnz = 0.0, bits = 0.0, payload = 0.0;
  for (int t = 0; t < trials; ++t) {
    Rng rng(seed, Purpose::compressor, 0, static_cast<std::uint64_t>(t));
    Message m = codec.encode(x, rng);
    codec.decode(m.bytes, out, Rng(seed, Purpose::compressor, 0, static_cast<std::uint64_t>(t)));
    err_sq += vec::dist2_sq(out, x);
    // Welford's update of the per-coordinate mean and sum of squared deviations of Q(x) - x:
    // exact 0 variance for a deterministic codec (no cancellation of two large sums).
    const double inv_count = 1.0 / static_cast<double>(t + 1);
    for (std::size_t j = 0; j < d; ++j) {
      const double e = out[j] - x[j];
      const double delta = e - mean_err[j];
      mean_err[j] += delta * inv_count;
      m2[j] += delta * (e - mean_err[j]);
    }
    for (double v : out) nnz += (v != 0.0);
    bits += static_cast<double>(m.bits);
    payload += static_cast<double>(m.payload_bits());
  }
  const double T = trials;
  const double bias_sq = vec::norm2_sq(mean_err);  // ||mean Q(x) - x||^2
  s.omega_measured = err_sq / T / xx;
  s.bias_measured = std::sqrt(bias_sq / xx);
  if (trials > 1) {
    double variance = 0.0;  // V = sum_j sample variance of Q(x)_j
    for (double v : m2) variance += v;
    variance /= T - 1.0;
    s.bias_noise_floor = std::sqrt(variance / T / xx);
  } else {
    s.bias_noise_floor = std::numeric_limits<double>::quiet_NaN();
  }
  s.density_measured = nnz / T;
  s.bits_mean = bits / T;
  s.payload_bits_mean = payload / T;

  bool ok = true;
  if (p.unbiased) {
    ok = ok && s.bias_measured < 5 * std::sqrt(p.omega / T) + 1e-6;
    ok = ok && s.omega_measured <= 1.05 * p.omega + 1e-6;
  }
  if (std::isfinite(p.delta)) ok = ok && s.omega_measured <= 1.05 * (1 - 1 / p.delta) + 1e-6;
  ok = ok && s.density_measured <= 1.05 * p.expected_density + 1.0;
  s.consistent = ok;
  return s;
}

}  // namespace dcopt

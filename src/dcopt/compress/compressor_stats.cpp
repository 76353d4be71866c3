#include "dcopt/compress/compressor_stats.hpp"

#include <algorithm>
#include <cmath>
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

  const int per_x = std::min(trials, 1000);
  std::vector<double> x(d), out(d), mean(d);
  double err_ratio = 0.0, nnz = 0.0, bits = 0.0, payload = 0.0, bias_sq_sum = 0.0;
  int groups = 0;
  for (int start = 0; start < trials; start += per_x) {
    const int count = std::min(per_x, trials - start);
    Rng xr(seed, Purpose::test, 0, static_cast<std::uint64_t>(groups));
    for (double& v : x) v = xr.normal();
    vec::fill(mean, 0.0);
    const double xx = vec::norm2_sq(x);
    for (int t = start; t < start + count; ++t) {
      Rng rng(seed, Purpose::compressor, 0, static_cast<std::uint64_t>(t));
      Message m = codec.encode(x, rng);
      codec.decode(m.bytes, out, Rng(seed, Purpose::compressor, 0, static_cast<std::uint64_t>(t)));
      vec::axpy(1.0 / count, out, mean);
      err_ratio += vec::dist2_sq(out, x) / xx;
      for (double v : out) nnz += (v != 0.0);
      bits += static_cast<double>(m.bits);
      payload += static_cast<double>(m.payload_bits());
    }
    bias_sq_sum += vec::dist2_sq(mean, x) / xx;
    ++groups;
  }
  s.omega_measured = err_ratio / trials;
  s.bias_measured = std::sqrt(bias_sq_sum / groups);
  s.density_measured = nnz / trials;
  s.bits_mean = bits / trials;
  s.payload_bits_mean = payload / trials;

  bool ok = true;
  if (p.unbiased) {
    ok = ok && s.bias_measured < 5 * std::sqrt(p.omega / per_x) + 1e-6;
    ok = ok && s.omega_measured <= 1.05 * p.omega + 1e-6;
  }
  if (std::isfinite(p.delta)) ok = ok && s.omega_measured <= 1.05 * (1 - 1 / p.delta) + 1e-6;
  ok = ok && s.density_measured <= 1.05 * p.expected_density + 1.0;
  s.consistent = ok;
  return s;
}

}  // namespace dcopt

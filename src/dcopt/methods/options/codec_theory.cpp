#include "dcopt/methods/options/codec_theory.hpp"

#include <algorithm>
#include <cmath>

#include "dcopt/compress/compressor_stats.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {

double unbiased_q(const Settings& s, const std::string& key, const Compressor& codec, std::size_t d,
                  const std::string& method) {
  const CompressorProperties p = codec.properties(d);
  if (!p.unbiased || !std::isfinite(p.omega)) {
    throw InvalidArgument(s.context() + ": " + key + " = \"" + codec.spec() + "\": " + method +
                          " needs an unbiased codec (class U(omega), e.g. randk, natural, "
                          "natural_dithering, qsgd); this one is biased");
  }
  return p.omega + 1.0;
}

double contractive_delta(const Settings& s, const std::string& key, const Compressor& codec,
                         std::size_t d, const std::string& method) {
  const CompressorProperties p = codec.properties(d);
  if (!std::isfinite(p.delta) || p.delta < 1.0) {
    throw InvalidArgument(s.context() + ": " + key + " = \"" + codec.spec() + "\": " + method +
                          " needs a contractive codec (finite delta >= 1, e.g. topk); this one " +
                          (p.unbiased ? "is unbiased without the 1/(omega+1) scaling that "
                                        "would make it contractive"
                                      : "declares no delta"));
  }
  return p.delta;
}

double bit_density(const Compressor& codec, const Compressor& dense, std::size_t d) {
  constexpr std::uint64_t kSeed = 0x6d617368;  // fixed: beta must not depend on the run's seed
  const double bits = measure_compressor(codec, d, 16, kSeed).payload_bits_mean;
  const double full = measure_compressor(dense, d, 1, kSeed).payload_bits_mean;
  const double beta = bits / full;
  return std::clamp(beta, 1e-12, 1.0);
}

}  // namespace dcopt

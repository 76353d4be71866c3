#pragma once
// The compressor constants the VI methods' theory needs, checked against the class the method
// requires (MASHA paper §1.3: unbiased Q with E||Q(z)||^2 <= q ||z||^2, q = omega + 1;
// contractive C with E||C(z) - z||^2 <= (1 - 1/delta) ||z||^2) and the paper's expected density
// beta = E[bits of Q(z)] / (b d), b = bits of one float.
#include <cstddef>
#include <string>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/settings.hpp"

namespace dcopt {

/// q = omega + 1 of an unbiased codec. A biased codec: InvalidArgument naming `key`, the
/// codec, the method and what would be valid.
double unbiased_q(const Settings& s, const std::string& key, const Compressor& codec, std::size_t d,
                  const std::string& method);

/// delta of a contractive codec. A codec that is not contractive (e.g. RandK with its d/K
/// scaling): InvalidArgument naming `key`, the codec and what would be valid.
double contractive_delta(const Settings& s, const std::string& key, const Compressor& codec,
                         std::size_t d, const std::string& method);

/// The paper's beta (§1.3), E[bits of Q(z)] / (b d): the mean payload bits of codec(z) over 16
/// Gaussian vectors z of dimension d (fixed stream, so identical on every device) divided by
/// those of `dense` (the uncompressed codec, b d bits). For shared-seed RandK this is k/d as in
/// the paper; codecs that send indices pay for them. Clamped to (0, 1]: a codec that expands
/// the vector cannot make the full sync cheaper than itself.
double bit_density(const Compressor& codec, const Compressor& dense, std::size_t d);

}  // namespace dcopt

#pragma once
// Shared pieces of the quantizing codecs (natural, natural_dithering, qsgd, scaled_sign, int8,
// fp16, bf16): input validation with errors that name the offending entry, robust norms, rounding
// of a scale to the wire precision, and exact Bernoulli draws for stochastic rounding.
#include <cstdint>
#include <span>
#include <string_view>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {

// The input checks and norms below are templates over the element type T (double or float,
// instantiated in quant_support.cpp); a float entry is widened to double (exactly) and the
// arithmetic is the double one, so a float vector gives the result of its double copy.

/// Throws InvalidArgument naming the codec, the first non-finite entry's index and its value;
/// returns if every entry is finite. Codecs call it on their slow path only (after a reduction
/// came out non-finite), so the hot loops carry no per-entry check.
template <class T>
void require_finite_input(std::span<const T> x, std::string_view codec);

/// max(||x||_2, max_j |x_j|): the l2 norm, computed without overflow or underflow for any
/// finite x, and never below an entry's magnitude (so |x_j| / norm <= 1 holds exactly).
/// Non-finite entries: InvalidArgument via require_finite_input.
template <class T>
double checked_l2_norm(std::span<const T> x, std::string_view codec);

/// max_j |x_j|; non-finite entries: InvalidArgument.
template <class T>
double checked_max_abs(std::span<const T> x, std::string_view codec);

/// The smallest value representable at precision p that is >= v (v >= 0, finite). A norm or
/// scale rounded *up* keeps every |x_j| / scale <= 1 after rounding, so quantizer levels never
/// overflow and unbiasedness holds with respect to the value actually sent. Throws
/// InvalidArgument (naming `what`) if v exceeds the largest finite fp32 at precision 32.
double round_up_to_wire(double v, Precision p, std::string_view codec, std::string_view what);

/// true with probability exactly `frac` (in [0, 1)) up to 2^-85: one 32-bit draw decides unless
/// it ties with the top 32 bits of frac (probability 2^-32), then a 53-bit draw settles the rest.
/// Draws nothing when frac == 0.
inline bool bernoulli_exact(Rng& rng, double frac) {
  if (frac <= 0.0) return false;
  const double scaled = frac * 0x1p32;  // exact: scaling by a power of two
  const auto hi = static_cast<std::uint32_t>(scaled);
  const std::uint32_t r = rng.next_u32();
  if (r != hi) return r < hi;
  return rng.uniform() < scaled - static_cast<double>(hi);
}

/// true with probability exactly m / 2^52 for a 52-bit mantissa m (the fraction of a double
/// between its two neighbouring powers of two). Draws nothing when m == 0.
inline bool bernoulli_mantissa52(Rng& rng, std::uint64_t m) {
  if (m == 0) return false;
  const auto hi = static_cast<std::uint32_t>(m >> 20);
  const std::uint32_t r = rng.next_u32();
  if (r != hi) return r < hi;
  return (rng.next_u32() & 0xFFFFFu) < (m & 0xFFFFFu);
}

}  // namespace dcopt

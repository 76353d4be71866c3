#pragma once
// Shared pieces of the quantizing codecs (natural, natural_dithering, qsgd, scaled_sign, int8,
// fp16, bf16): input validation with errors that name the offending entry, robust norms, rounding
// of a scale to the wire precision, and exact Bernoulli draws for stochastic rounding.
#include <cstddef>
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
/// finite x, and never below an entry's magnitude (so |x_j| / norm <= 1 holds exactly). The
/// squares are summed in eight lanes (sum_of_squares.hpp; that order fixes the norm's bits);
/// only an input whose largest entry is beyond 2^+-500 takes a second, rescaled, serial pass.
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
  if (frac >= 1.0) {
    // v - floor(v) rounds to exactly 1 for a negative v within 2^-54 of an integer: certainly
    // up. One word is drawn as for any other fraction, so the stream stays aligned. (Before,
    // 2^32 was converted to uint32: undefined behaviour, in practice "down", a biased code.)
    (void)rng.next_u32();
    return true;
  }
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

/// Chunk kernels (the `fast` of draw_in_chunks below) are plain loops written so that GCC
/// vectorizes them: 0/1 flags as integers and masks, no bool and no ?: (either left them
/// scalar). Those that mix double and 32-bit integer lanes vectorize only with AVX2 (SSE2 has
/// no 2-lane int32 compares). A kernel is an always-inline template `name` (DCOPT_KERNEL_INLINE);
/// DCOPT_AVX2_KERNEL(name) defines name_avx2, the same code compiled for AVX2, and
/// DCOPT_CALL_KERNEL(name, args...) calls that one when the CPU has AVX2 (checked once), else
/// the baseline one. The AVX2 target does not enable FMA, so no multiply-add is contracted and
/// every IEEE operation rounds as in the baseline copy: both give the same bits.
#if defined(__x86_64__) && defined(__GNUC__)
#define DCOPT_HAVE_AVX2_KERNELS 1
inline bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#define DCOPT_KERNEL_INLINE [[gnu::always_inline]] inline
#define DCOPT_AVX2_KERNEL(name)                                \
  template <class... Args>                                     \
  [[gnu::target("avx2")]] unsigned name##_avx2(Args... args) { \
    return name(args...);                                      \
  }
#define DCOPT_CALL_KERNEL(name, ...) (cpu_has_avx2() ? name##_avx2(__VA_ARGS__) : name(__VA_ARGS__))
#else
inline bool cpu_has_avx2() { return false; }
#define DCOPT_KERNEL_INLINE inline
#define DCOPT_AVX2_KERNEL(name)
#define DCOPT_CALL_KERNEL(name, ...) name(__VA_ARGS__)
#endif

/// Stochastic rounding of a long vector with the random words drawn in blocks. The codecs'
/// per-entry loops draw one 32-bit word for almost every entry (bernoulli_exact and
/// bernoulli_mantissa52 take a second only on a tie, probability 2^-32) and none for entries that
/// round exactly; drawing those words one next_u32() at a time, interleaved with the arithmetic,
/// kept the loops scalar. Here the entries go in chunks of kDrawChunk:
///  * the chunk's words are peeked in one Rng::peek_u32 call (vectorized Philox);
///  * `fast(lo, n, words, need)` codes entries [lo, lo + n) assuming entry i draws words[i]
///    when it draws at all, and sets need[i] to 1 if it draws one word, 0 if none. It returns
///    kChunkSkippedDraws if some need[i] is 0 and kChunkIrregular if some entry is not decided
///    by that word alone (a tie, or a case `fast` leaves to `exact`). With skipped draws the
///    words are respread (each drawing entry gets the next unused word) and `fast` runs again;
///  * an irregular chunk is coded instead by `exact(lo, n)`, the plain per-entry loop drawing
///    from `rng` itself (the Rng is still at the chunk's start);
///  * otherwise the Rng skips the words used; then `emit(lo, n)` takes the chunk's codes.
/// So the words every entry sees, and the Rng's state afterwards (also when `exact` throws), are
/// those of the per-entry loop: the bytes do not change. `fast` must be a pure function of the
/// entries and the words (it runs twice on a chunk with skipped draws).
inline constexpr std::size_t kDrawChunk = 512;
inline constexpr unsigned kChunkIrregular = 1;
inline constexpr unsigned kChunkSkippedDraws = 2;

template <class Fast, class Exact, class Emit>
void draw_in_chunks(Rng& rng, std::size_t d, Fast&& fast, Exact&& exact, Emit&& emit) {
  std::uint32_t words[kDrawChunk + 1], spread[kDrawChunk];
  std::uint32_t need[kDrawChunk];
  for (std::size_t lo = 0; lo < d; lo += kDrawChunk) {
    const std::size_t n = d - lo < kDrawChunk ? d - lo : kDrawChunk;
    rng.peek_u32(std::span<std::uint32_t>(words, n));
    words[n] = 0;  // what an entry after the last drawing one reads in the respread below
    unsigned flags = fast(lo, n, static_cast<const std::uint32_t*>(words), need);
    std::size_t used = n;
    if (flags == kChunkSkippedDraws) {
      used = 0;
      for (std::size_t i = 0; i < n; ++i) {
        spread[i] = words[used];
        used += need[i];
      }
      flags = fast(lo, n, static_cast<const std::uint32_t*>(spread), need) & kChunkIrregular;
    }
    if ((flags & kChunkIrregular) != 0) {
      exact(lo, n);
    } else {
      rng.skip_u32(used);
    }
    emit(lo, n);
  }
}

}  // namespace dcopt

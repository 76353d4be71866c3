#include "dcopt/compress/int8_stochastic_avx2.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dcopt/compress/quant_support.hpp"
#include "dcopt/compress/stochastic_round_avx2.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

namespace dcopt {
namespace {

// One entry as the vector loop codes it (for the last m % 4 entries): irregular and skipped
// flags are or-ed into *irr and *skip.
template <class T>
inline std::int32_t code_one(T x, double inv, std::uint32_t word, bool* irr, bool* skip) {
  const double v = std::min(127.0, std::max(-127.0, static_cast<double>(x) * inv));
  const double fl = std::floor(v);
  const double frac = v - fl;
  const double f2 = frac * 0x1p32;
  const double rd = static_cast<double>(word);
  const bool draws = frac > 0.0;
  const bool up = rd + 1.0 <= f2;
  const bool tie = draws && rd <= f2 && !up;
  *irr = *irr || tie || frac >= 1.0;
  *skip = *skip || !draws;
  return static_cast<std::int32_t>(fl) + (up ? 1 : 0);
}

// Entries p[0, 4) drawing words[0, 4): their codes as 4 int32; the lanes' irregular and drawing
// masks are or-ed into *irr and and-ed into *all_draw.
template <class T>
[[gnu::target("avx2"), gnu::always_inline]] inline __m128i code4(const T* p,
                                                                 const std::uint32_t* words,
                                                                 __m256d vinv, __m256d* irr,
                                                                 __m256d* all_draw) {
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d hi = _mm256_set1_pd(127.0), lo = _mm256_set1_pd(-127.0);
  // The per-entry loop's clamp, std::min(127.0, std::max(-127.0, x * inv)): maxpd(a, b) is
  // a > b ? a : b and minpd(a, b) is a < b ? a : b, the same selects (x is finite). |x * inv|
  // exceeds 127 only by a rounding (|x| <= scale), in the block's absmax entry, about one
  // block in three: clamped here, such a block no longer goes to the per-entry loop.
  const __m256d v = _mm256_min_pd(_mm256_max_pd(_mm256_mul_pd(load4(p), vinv), lo), hi);
  const Round4 r = round4(v, words);
  *irr = _mm256_or_pd(*irr, _mm256_or_pd(r.tie, _mm256_cmp_pd(r.frac, one, _CMP_GE_OQ)));
  *all_draw = _mm256_and_pd(*all_draw, r.draws);
  // floor(v) + 0 or 1 is an integer in [-127, 127] (v = 127 has no fraction): converted
  // exactly (-0 gives 0).
  return _mm256_cvttpd_epi32(rounded(r));
}

template <class T>
[[gnu::target("avx2")]] unsigned codes(const T* __restrict p, std::size_t m, double inv,
                                       const std::uint32_t* __restrict words,
                                       std::uint32_t* __restrict need, std::int8_t* __restrict q) {
  const __m256d vinv = _mm256_set1_pd(inv), one = _mm256_set1_pd(1.0);
  const __m256d zero = _mm256_setzero_pd(), hi = _mm256_set1_pd(127.0), lo = _mm256_set1_pd(-127.0);
  __m256d irr = zero, all_draw = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  // The int32 codes are narrowed to int8 with signed saturation (which changes nothing in
  // [-127, 127]): 16 entries per 16-byte store, then 4 per 4-byte store.
  std::size_t j = 0;
  for (; j + 16 <= m; j += 16) {
    const __m128i c0 = code4(p + j, words + j, vinv, &irr, &all_draw);
    const __m128i c1 = code4(p + j + 4, words + j + 4, vinv, &irr, &all_draw);
    const __m128i c2 = code4(p + j + 8, words + j + 8, vinv, &irr, &all_draw);
    const __m128i c3 = code4(p + j + 12, words + j + 12, vinv, &irr, &all_draw);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + j),
                     _mm_packs_epi16(_mm_packs_epi32(c0, c1), _mm_packs_epi32(c2, c3)));
  }
  for (; j + 4 <= m; j += 4) {
    const __m128i c16 =
        _mm_packs_epi32(code4(p + j, words + j, vinv, &irr, &all_draw), _mm_setzero_si128());
    const std::int32_t c8 = _mm_cvtsi128_si32(_mm_packs_epi16(c16, c16));
    std::memcpy(q + j, &c8, 4);
  }
  bool irregular = _mm256_movemask_pd(irr) != 0;
  bool skipped = _mm256_movemask_pd(all_draw) != 0xF;
  for (; j < m; ++j) {
    q[j] = static_cast<std::int8_t>(code_one(p[j], inv, words[j], &irregular, &skipped));
  }
  if (skipped && !irregular) {
    // draw_in_chunks respreads the words: it needs each entry's draw count. (Most blocks have
    // one such chunk: the absmax entry's v is 127, no fraction.) The same operations, 4 lanes
    // at a time; the draw mask and 1.0 give 1.0 or 0.0, converted to 1 or 0.
    std::size_t i = 0;
    for (; i + 4 <= m; i += 4) {
      const __m256d v = _mm256_min_pd(_mm256_max_pd(_mm256_mul_pd(load4(p + i), vinv), lo), hi);
      const __m256d frac =
          _mm256_sub_pd(v, _mm256_round_pd(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
      const __m256d draws = _mm256_and_pd(_mm256_cmp_pd(frac, zero, _CMP_GT_OQ), one);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(need + i), _mm256_cvttpd_epi32(draws));
    }
    for (; i < m; ++i) {
      const double v = std::min(127.0, std::max(-127.0, static_cast<double>(p[i]) * inv));
      need[i] = static_cast<std::uint32_t>(v - std::floor(v) > 0.0);
    }
  }
  return (irregular ? kChunkIrregular : 0) | (skipped ? kChunkSkippedDraws : 0);
}

}  // namespace

unsigned int8_stochastic_codes_avx2(const float* p, std::size_t m, double inv,
                                    const std::uint32_t* words, std::uint32_t* need,
                                    std::int8_t* q) {
  return codes(p, m, inv, words, need, q);
}

unsigned int8_stochastic_codes_avx2(const double* p, std::size_t m, double inv,
                                    const std::uint32_t* words, std::uint32_t* need,
                                    std::int8_t* q) {
  return codes(p, m, inv, words, need, q);
}

}  // namespace dcopt

#else

namespace dcopt {
unsigned int8_stochastic_codes_avx2(const float*, std::size_t, double, const std::uint32_t*,
                                    std::uint32_t*, std::int8_t*) {
  return 0;
}
unsigned int8_stochastic_codes_avx2(const double*, std::size_t, double, const std::uint32_t*,
                                    std::uint32_t*, std::int8_t*) {
  return 0;
}
}  // namespace dcopt

#endif

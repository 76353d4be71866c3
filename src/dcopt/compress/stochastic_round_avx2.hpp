#pragma once
// Stochastic rounding of four doubles against their four random words, in AVX2 registers: the
// step shared by the AVX2 kernels of int8 (stochastic rounding), qsgd and natural_dithering
// (below its lowest level). Per lane, as bernoulli_exact (quant_support.hpp) decides with one
// word: floor(v), the fraction frac = v - floor(v) and f2 = frac * 2^32 (exact), the word w as
// a double; up iff w + 1 <= f2 (probability frac up to 2^-32), draws iff frac > 0, and a tie
// (the per-entry loop draws a second word) iff draws and w <= f2 < w + 1. Masks are all-ones
// lanes.
//
// Include only from translation units whose callers are compiled for AVX2
// ([[gnu::target("avx2")]]) and run them only when cpu_has_avx2() (quant_support.hpp).
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include <cstdint>

namespace dcopt {

struct Round4 {
  __m256d floor, frac, up, draws, tie;
};

[[gnu::target("avx2"), gnu::always_inline]] inline __m256d load4(const float* p) {
  return _mm256_cvtps_pd(_mm_loadu_ps(p));
}
[[gnu::target("avx2"), gnu::always_inline]] inline __m256d load4(const double* p) {
  return _mm256_loadu_pd(p);
}

[[gnu::target("avx2"), gnu::always_inline]] inline Round4 round4(__m256d v,
                                                                 const std::uint32_t* words) {
  const __m256d one = _mm256_set1_pd(1.0);
  Round4 r;
  r.floor = _mm256_round_pd(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  r.frac = _mm256_sub_pd(v, r.floor);
  const __m256d f2 = _mm256_mul_pd(r.frac, _mm256_set1_pd(0x1p32));  // exact
  // words[j] as a double: (w - 2^31) is an int32, converted exactly, plus 2^31 (exact).
  const __m128i w = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(words)),
                                  _mm_set1_epi32(INT32_MIN));
  const __m256d rd = _mm256_add_pd(_mm256_cvtepi32_pd(w), _mm256_set1_pd(0x1p31));
  r.draws = _mm256_cmp_pd(r.frac, _mm256_setzero_pd(), _CMP_GT_OQ);
  r.up = _mm256_cmp_pd(_mm256_add_pd(rd, one), f2, _CMP_LE_OQ);
  const __m256d le = _mm256_cmp_pd(rd, f2, _CMP_LE_OQ);
  r.tie = _mm256_andnot_pd(r.up, _mm256_and_pd(r.draws, le));
  return r;
}

/// floor + (1 where up): the rounded value, an integer in double lanes.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256d rounded(const Round4& r) {
  return _mm256_add_pd(r.floor, _mm256_and_pd(r.up, _mm256_set1_pd(1.0)));
}

}  // namespace dcopt
#endif

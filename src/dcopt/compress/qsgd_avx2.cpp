#include "dcopt/compress/qsgd_avx2.hpp"

#include "dcopt/compress/quant_support.hpp"
#include "dcopt/compress/stochastic_round_avx2.hpp"

#if DCOPT_HAVE_AVX2_KERNELS

namespace dcopt {
namespace {

template <class T>
[[gnu::target("avx2")]] unsigned levels_avx2(const T* p, std::size_t m, double s_over_norm,
                                             double s, const std::uint32_t* words,
                                             std::uint32_t* need, std::uint32_t* levels) {
  const __m256d son = _mm256_set1_pd(s_over_norm), vs = _mm256_set1_pd(s);
  const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFF'FFFF'FFFF'FFFFll));
  __m256d irr = zero, all_draw = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  for (std::size_t j = 0; j < m; j += 4) {
    const __m256d x = load4(p + j);
    // std::min(|x| s / norm, s) is (s < a) ? s : a and minpd(a, s) is (a < s) ? a : s: the
    // same value (they differ only for a == s, where both are s).
    const Round4 r =
        round4(_mm256_min_pd(_mm256_mul_pd(_mm256_and_pd(x, abs_mask), son), vs), words + j);
    irr = _mm256_or_pd(irr, r.tie);
    all_draw = _mm256_and_pd(all_draw, r.draws);
    // The level (<= s <= 2^24) and the sign as 0/1, converted exactly to int32 lanes; a
    // non-zero level has |x| > 0, so its sign bit is x < 0.
    const __m128i level = _mm256_cvttpd_epi32(rounded(r));
    const __m128i sign =
        _mm256_cvttpd_epi32(_mm256_and_pd(_mm256_cmp_pd(x, zero, _CMP_LT_OQ), one));
    const __m128i code = _mm_andnot_si128(_mm_cmpeq_epi32(level, _mm_setzero_si128()),
                                          _mm_or_si128(_mm_slli_epi32(level, 1), sign));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(levels + j), code);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(need + j),
                     _mm256_cvttpd_epi32(_mm256_and_pd(r.draws, one)));
  }
  const bool irregular = _mm256_movemask_pd(irr) != 0;
  const bool skipped = _mm256_movemask_pd(all_draw) != 0xF;
  return (irregular ? kChunkIrregular : 0) | (skipped ? kChunkSkippedDraws : 0);
}

}  // namespace

unsigned qsgd_levels_avx2(const float* p, std::size_t m, double s_over_norm, double s,
                          const std::uint32_t* words, std::uint32_t* need, std::uint32_t* levels) {
  return levels_avx2(p, m, s_over_norm, s, words, need, levels);
}
unsigned qsgd_levels_avx2(const double* p, std::size_t m, double s_over_norm, double s,
                          const std::uint32_t* words, std::uint32_t* need, std::uint32_t* levels) {
  return levels_avx2(p, m, s_over_norm, s, words, need, levels);
}

}  // namespace dcopt
#endif

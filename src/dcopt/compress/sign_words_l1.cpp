#include "dcopt/compress/sign_words_l1.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

namespace dcopt {
namespace {

// ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) of lo = s0..s3, hi = s4..s7.
[[gnu::target("avx2")]] inline double combine8(__m256d lo, __m256d hi) {
  const __m256d h = _mm256_hadd_pd(lo, hi);  // s0+s1, s4+s5, s2+s3, s6+s7
  const __m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  return _mm_cvtsd_f64(q) + _mm_cvtsd_f64(_mm_unpackhi_pd(q, q));
}

}  // namespace

[[gnu::target("avx2")]] unsigned sign_words_l1_avx2(const float* x, std::size_t full,
                                                    std::uint64_t* words, double* l1) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF'FFFF));
  double sum = *l1;
  for (std::size_t b = 0; b < full; ++b) {
    const float* p = x + 64 * b;
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    std::uint64_t m = 0;
    for (unsigned g = 0; g < 8; ++g) {
      const __m256 v = _mm256_loadu_ps(p + 8 * g);
      const auto bits =
          static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_LT_OQ)));
      m |= static_cast<std::uint64_t>(bits) << (8 * g);
      // |v| as a float is exact, and so is its widening: fabs(double(v)).
      const __m256 a = _mm256_and_ps(v, abs_mask);
      lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(a)));
      hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)));
    }
    words[b] = m;
    sum += combine8(lo, hi);
  }
  *l1 = sum;
  return 0;
}

[[gnu::target("avx2")]] unsigned sign_words_l1_avx2(const double* x, std::size_t full,
                                                    std::uint64_t* words, double* l1) {
  const __m256d zero = _mm256_setzero_pd();
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFF'FFFF'FFFF'FFFFll));
  double sum = *l1;
  for (std::size_t b = 0; b < full; ++b) {
    const double* p = x + 64 * b;
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    std::uint64_t m = 0;
    for (unsigned g = 0; g < 8; ++g) {
      const __m256d v0 = _mm256_loadu_pd(p + 8 * g), v1 = _mm256_loadu_pd(p + 8 * g + 4);
      const auto b0 =
          static_cast<unsigned>(_mm256_movemask_pd(_mm256_cmp_pd(v0, zero, _CMP_LT_OQ)));
      const auto b1 =
          static_cast<unsigned>(_mm256_movemask_pd(_mm256_cmp_pd(v1, zero, _CMP_LT_OQ)));
      m |= static_cast<std::uint64_t>(b0 | (b1 << 4)) << (8 * g);
      lo = _mm256_add_pd(lo, _mm256_and_pd(v0, abs_mask));
      hi = _mm256_add_pd(hi, _mm256_and_pd(v1, abs_mask));
    }
    words[b] = m;
    sum += combine8(lo, hi);
  }
  *l1 = sum;
  return 0;
}

}  // namespace dcopt

#else

namespace dcopt {
unsigned sign_words_l1_avx2(const float*, std::size_t, std::uint64_t*, double*) { return 0; }
unsigned sign_words_l1_avx2(const double*, std::size_t, std::uint64_t*, double*) { return 0; }
}  // namespace dcopt

#endif

#include "dcopt/compress/sum_of_squares.hpp"

#include <cmath>

#include "dcopt/compress/quant_support.hpp"

#if DCOPT_HAVE_AVX2_KERNELS
#include <immintrin.h>
#endif

namespace dcopt {
namespace {

double combine8(const double* s) {
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// Entries [from, n) into the lanes s (entry j into s[j % 8]); from is a multiple of 8.
template <class T>
void add_lanes(const T* x, std::size_t from, std::size_t n, double* s, double& m) {
  for (std::size_t j = from; j < n; ++j) {
    const double v = x[j];
    s[j % 8] += v * v;
    const double a = std::fabs(v);
    m = a > m ? a : m;
  }
}

template <class T>
SquaresAndMax portable(std::span<const T> x) {
  double s[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  double m = 0.0;
  add_lanes(x.data(), 0, x.size(), s, m);
  return {combine8(s), m};
}

#if DCOPT_HAVE_AVX2_KERNELS
// lo holds lanes 0-3, hi lanes 4-7; the tail goes through the portable loop on the same lanes.
template <class T>
[[gnu::target("avx2")]] SquaresAndMax finish_avx2(const T* x, std::size_t full, std::size_t n,
                                                  __m256d lo, __m256d hi, __m256d mx) {
  alignas(32) double s[8], mm[4];
  _mm256_store_pd(s, lo);
  _mm256_store_pd(s + 4, hi);
  _mm256_store_pd(mm, mx);
  double m = mm[0];
  for (int k = 1; k < 4; ++k) m = mm[k] > m ? mm[k] : m;
  add_lanes(x, full, n, s, m);
  return {combine8(s), m};
}

[[gnu::target("avx2")]] SquaresAndMax avx2(std::span<const float> x) {
  const std::size_t n = x.size(), full = n / 8 * 8;
  const float* p = x.data();
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF'FFFF));
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
  __m256 mx = _mm256_setzero_ps();
  for (std::size_t j = 0; j < full; j += 8) {
    const __m256 v = _mm256_loadu_ps(p + j);
    const __m256d v0 = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    const __m256d v1 = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    lo = _mm256_add_pd(lo, _mm256_mul_pd(v0, v0));
    hi = _mm256_add_pd(hi, _mm256_mul_pd(v1, v1));
    mx = _mm256_max_ps(mx, _mm256_and_ps(v, abs_mask));  // |v| of a float is exact
  }
  // The eight float maxima, widened exactly, as four doubles.
  const __m256d m0 = _mm256_cvtps_pd(_mm256_castps256_ps128(mx));
  const __m256d m1 = _mm256_cvtps_pd(_mm256_extractf128_ps(mx, 1));
  return finish_avx2(p, full, n, lo, hi, _mm256_max_pd(m0, m1));
}

[[gnu::target("avx2")]] SquaresAndMax avx2(std::span<const double> x) {
  const std::size_t n = x.size(), full = n / 8 * 8;
  const double* p = x.data();
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFF'FFFF'FFFF'FFFFll));
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd(), mx = _mm256_setzero_pd();
  for (std::size_t j = 0; j < full; j += 8) {
    const __m256d v0 = _mm256_loadu_pd(p + j), v1 = _mm256_loadu_pd(p + j + 4);
    lo = _mm256_add_pd(lo, _mm256_mul_pd(v0, v0));
    hi = _mm256_add_pd(hi, _mm256_mul_pd(v1, v1));
    mx = _mm256_max_pd(mx, _mm256_max_pd(_mm256_and_pd(v0, abs_mask), _mm256_and_pd(v1, abs_mask)));
  }
  return finish_avx2(p, full, n, lo, hi, mx);
}
#endif

template <class T>
SquaresAndMax dispatch(std::span<const T> x) {
#if DCOPT_HAVE_AVX2_KERNELS
  if (cpu_has_avx2()) return avx2(x);
#endif
  return portable(x);
}

}  // namespace

SquaresAndMax sum_of_squares(std::span<const float> x) { return dispatch(x); }
SquaresAndMax sum_of_squares(std::span<const double> x) { return dispatch(x); }
SquaresAndMax sum_of_squares_portable(std::span<const float> x) { return portable(x); }
SquaresAndMax sum_of_squares_portable(std::span<const double> x) { return portable(x); }

}  // namespace dcopt

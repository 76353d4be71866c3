#include "dcopt/compress/natural_dithering_avx2.hpp"

#include "dcopt/compress/quant_support.hpp"
#include "dcopt/compress/stochastic_round_avx2.hpp"

#if DCOPT_HAVE_AVX2_KERNELS
#include <immintrin.h>

namespace dcopt {
namespace {

struct Lanes {
  __m256i code;       // sign | index << 1, one per 64-bit lane
  __m256i need;       // 1 if the entry draws a word, else 0
  __m256i irregular;  // all ones on a tie
};

struct Consts {
  __m256d norm, below;
  __m256i lowest_m1, one_minus_lowest;
};

[[gnu::target("avx2")]] Consts consts(double norm, std::uint32_t lowest, double below) {
  Consts c;
  c.norm = _mm256_set1_pd(norm);
  c.below = _mm256_set1_pd(below);
  c.lowest_m1 = _mm256_set1_epi64x(static_cast<long long>(lowest) - 1);
  c.one_minus_lowest = _mm256_set1_epi64x(1 - static_cast<long long>(lowest));
  return c;
}

// Four entries v (widened to double), their words (also as r, zero-extended to 64 bits). A group
// whose four entries are all below the lowest level (most groups of a long vector at the default s:
// the lowest level 2^-7 of a norm ~ sqrt(d) times an entry's size) takes the short path, which
// computes only that case; either path gives the same lanes.
[[gnu::target("avx2")]] inline Lanes four(__m256d v, const std::uint32_t* words, __m256i r,
                                          const Consts& c) {
  const __m256i abs_mask = _mm256_set1_epi64x(0x7FFF'FFFF'FFFF'FFFFll);
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i zero = _mm256_setzero_si256();
  const __m256d y = _mm256_div_pd(_mm256_and_pd(v, _mm256_castsi256_pd(abs_mask)), c.norm);
  const __m256i bits = _mm256_castpd_si256(y);
  const __m256i eb = _mm256_srli_epi64(bits, 52);  // y >= 0: no sign bit
  const __m256i upper = _mm256_cmpgt_epi64(eb, c.lowest_m1);
  const __m256i sign = _mm256_srli_epi64(_mm256_castpd_si256(v), 63);
  // Below the lowest level: bernoulli_exact of y * 2^(s-1), which is in [0, 1) there, so its
  // floor is 0 and its fraction itself (the lanes of the upper case are not used).
  const Round4 lo = round4(_mm256_mul_pd(y, c.below), words);
  const __m256d up_lo = lo.up, draws_lo = lo.draws, tie_lo = lo.tie;
  const __m256i idx_lo = _mm256_and_si256(_mm256_castpd_si256(up_lo), one);  // 0 or 1
  const __m256i need_lo = _mm256_and_si256(_mm256_castpd_si256(draws_lo), one);
  Lanes out;
  if (_mm256_testz_si256(upper, upper) != 0) {
    out.code = _mm256_or_si256(_mm256_and_si256(sign, idx_lo), _mm256_slli_epi64(idx_lo, 1));
    out.need = need_lo;
    out.irregular = _mm256_castpd_si256(tie_lo);
    return out;
  }
  // Upper levels (bernoulli_mantissa52): draws iff the mantissa is non-zero; up iff r < its top
  // 32 bits (both below 2^32, so the signed 64-bit compare is the unsigned one).
  const __m256i mant = _mm256_and_si256(bits, _mm256_set1_epi64x(0x000F'FFFF'FFFF'FFFFll));
  const __m256i no_draw_up = _mm256_cmpeq_epi64(mant, zero);
  const __m256i hi = _mm256_srli_epi64(mant, 20);
  const __m256i up_up = _mm256_cmpgt_epi64(hi, r);
  const __m256i tie_up = _mm256_andnot_si256(no_draw_up, _mm256_cmpeq_epi64(r, hi));
  // index: eb - lowest + 1 + up (up_up is -1 for up, so subtract it), or the lower case's 0 / 1.
  const __m256i idx_up = _mm256_sub_epi64(_mm256_add_epi64(eb, c.one_minus_lowest), up_up);
  const __m256i index = _mm256_blendv_epi8(idx_lo, idx_up, upper);
  const __m256i is_zero = _mm256_cmpeq_epi64(index, zero);
  out.code = _mm256_andnot_si256(is_zero, _mm256_or_si256(sign, _mm256_slli_epi64(index, 1)));
  out.need = _mm256_blendv_epi8(need_lo, _mm256_andnot_si256(no_draw_up, one), upper);
  out.irregular = _mm256_blendv_epi8(_mm256_castpd_si256(tie_lo), tie_up, upper);
  return out;
}

// Lanes a0..a3 and b0..b3 (values below 2^32 in 64-bit lanes) as the 8 x 32 bits a0..a3 b0..b3.
[[gnu::target("avx2")]] inline __m256i narrow(__m256i a, __m256i b) {
  const __m256i mixed = _mm256_blend_epi32(a, _mm256_slli_epi64(b, 32), 0xAA);
  return _mm256_permutevar8x32_epi32(mixed, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
}

template <class T>
[[gnu::target("avx2")]] unsigned codes_avx2(const T* p, std::size_t m, double norm_,
                                            std::uint32_t lowest, double below_,
                                            const std::uint32_t* words, std::uint32_t* need,
                                            std::uint32_t* codes) {
  const Consts c = consts(norm_, lowest, below_);
  __m256i irregular = _mm256_setzero_si256(), drew = _mm256_set1_epi32(1);
  for (std::size_t j = 0; j < m; j += 8) {
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(words + j));
    const Lanes a =
        four(load4(p + j), words + j, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(w)), c);
    const Lanes b = four(load4(p + j + 4), words + j + 4,
                         _mm256_cvtepu32_epi64(_mm256_extracti128_si256(w, 1)), c);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + j), narrow(a.code, b.code));
    const __m256i n = narrow(a.need, b.need);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(need + j), n);
    drew = _mm256_and_si256(drew, n);
    irregular = _mm256_or_si256(irregular, _mm256_or_si256(a.irregular, b.irregular));
  }
  const bool any_irregular = _mm256_testz_si256(irregular, irregular) == 0;
  const bool all_drew = _mm256_movemask_epi8(_mm256_cmpeq_epi32(drew, _mm256_set1_epi32(1))) == -1;
  return (any_irregular ? kChunkIrregular : 0) | (all_drew ? 0 : kChunkSkippedDraws);
}

}  // namespace

unsigned dithering_codes_avx2(const float* p, std::size_t m, double norm, std::uint32_t lowest,
                              double below, const std::uint32_t* words, std::uint32_t* need,
                              std::uint32_t* codes) {
  return codes_avx2(p, m, norm, lowest, below, words, need, codes);
}
unsigned dithering_codes_avx2(const double* p, std::size_t m, double norm, std::uint32_t lowest,
                              double below, const std::uint32_t* words, std::uint32_t* need,
                              std::uint32_t* codes) {
  return codes_avx2(p, m, norm, lowest, below, words, need, codes);
}

}  // namespace dcopt
#endif

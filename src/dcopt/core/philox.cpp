#include "dcopt/core/philox.hpp"

#include <algorithm>
#include <stdexcept>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace dcopt {
namespace {

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

}  // namespace

void philox_block(const std::uint32_t key[2], std::uint64_t block, std::uint32_t c2,
                  std::uint32_t c3, std::uint32_t out[4]) {
  std::uint32_t c0 = static_cast<std::uint32_t>(block),
                c1 = static_cast<std::uint32_t>(block >> 32);
  std::uint32_t k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; ++r) {
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kPhiloxM0, c0, hi0, lo0);
    mulhilo(kPhiloxM1, c2, hi1, lo1);
    std::uint32_t n0 = hi1 ^ c1 ^ k0;
    std::uint32_t n1 = lo1;
    std::uint32_t n2 = hi0 ^ c3 ^ k1;
    std::uint32_t n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

namespace {

#if defined(__x86_64__) && defined(__GNUC__)
#define DCOPT_PHILOX_SIMD 1
constexpr std::size_t kAvx2Blocks = 16;  // two groups of 8 counters in flight

__attribute__((target("avx2"))) inline void mulhilo8(__m256i a, __m256i m, __m256i& hi,
                                                     __m256i& lo) {
  // vpmuludq multiplies the even 32-bit lanes into 64-bit products; the odd lanes are shifted
  // down for a second multiply, and the halves are blended back into lane order.
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

// philox_block for blocks first, ..., first + 16 n - 1 (the counters of 8 blocks per register,
// the same integer arithmetic lane by lane), written in block order.
__attribute__((target("avx2"))) void philox_blocks_avx2(const std::uint32_t key[2],
                                                        std::uint64_t first, std::size_t n,
                                                        std::uint32_t c2, std::uint32_t c3,
                                                        std::uint32_t* out) {
  constexpr int G = 2;
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(kPhiloxM1));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i flip = _mm256_set1_epi32(INT32_MIN);
  for (std::size_t i = 0; i < n; ++i, first += kAvx2Blocks, out += 4 * kAvx2Blocks) {
    __m256i v0[G], v1[G], v2[G], v3[G];
    for (int g = 0; g < G; ++g) {
      const std::uint64_t base = first + 8 * static_cast<std::uint64_t>(g);
      const __m256i base_lo = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(base)));
      const __m256i lo = _mm256_add_epi32(base_lo, lane);
      // A lane whose low word wrapped (unsigned lo < base_lo) carries into the high word; the
      // compare yields -1 there.
      const __m256i carry =
          _mm256_cmpgt_epi32(_mm256_xor_si256(base_lo, flip), _mm256_xor_si256(lo, flip));
      v0[g] = lo;
      v1[g] = _mm256_sub_epi32(
          _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(base >> 32))), carry);
      v2[g] = _mm256_set1_epi32(static_cast<int>(c2));
      v3[g] = _mm256_set1_epi32(static_cast<int>(c3));
    }
    std::uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; ++r) {
      const __m256i vk0 = _mm256_set1_epi32(static_cast<int>(k0));
      const __m256i vk1 = _mm256_set1_epi32(static_cast<int>(k1));
      for (int g = 0; g < G; ++g) {
        __m256i hi0, lo0, hi1, lo1;
        mulhilo8(v0[g], m0, hi0, lo0);
        mulhilo8(v2[g], m1, hi1, lo1);
        v0[g] = _mm256_xor_si256(_mm256_xor_si256(hi1, v1[g]), vk0);
        v1[g] = lo1;
        v2[g] = _mm256_xor_si256(_mm256_xor_si256(hi0, v3[g]), vk1);
        v3[g] = lo0;
      }
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    for (int g = 0; g < G; ++g) {
      // Transpose: register w holds word w of 8 blocks; memory wants the 4 words of each block.
      const __m256i t0 = _mm256_unpacklo_epi32(v0[g], v1[g]);  // blocks 0, 1 | 4, 5: words 0-1
      const __m256i t1 = _mm256_unpacklo_epi32(v2[g], v3[g]);  // words 2-3
      const __m256i t2 = _mm256_unpackhi_epi32(v0[g], v1[g]);  // blocks 2, 3 | 6, 7
      const __m256i t3 = _mm256_unpackhi_epi32(v2[g], v3[g]);
      const __m256i b04 = _mm256_unpacklo_epi64(t0, t1);
      const __m256i b15 = _mm256_unpackhi_epi64(t0, t1);
      const __m256i b26 = _mm256_unpacklo_epi64(t2, t3);
      const __m256i b37 = _mm256_unpackhi_epi64(t2, t3);
      auto* o = reinterpret_cast<__m256i*>(out + 32 * g);
      _mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(b04, b15, 0x20));
      _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(b26, b37, 0x20));
      _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(b04, b15, 0x31));
      _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(b26, b37, 0x31));
    }
  }
}

// GCC 12's AVX-512 shift and shuffle intrinsics start from _mm512_undefined_epi32(), which
// -Wmaybe-uninitialized reports wherever they inline (GCC bug 105593, fixed in GCC 13).
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
constexpr std::size_t kAvx512Blocks = 32;  // two groups of 16 counters in flight

__attribute__((target("avx512f"))) inline void mulhilo16(__m512i a, __m512i m, __m512i& hi,
                                                         __m512i& lo) {
  // As mulhilo8, 16 lanes: even lanes multiplied in place, odd lanes shifted down first.
  const __m512i even = _mm512_mul_epu32(a, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

// philox_block for blocks first, ..., first + 32 n - 1 (16 blocks per register), in block order.
__attribute__((target("avx512f"))) void philox_blocks_avx512(const std::uint32_t key[2],
                                                             std::uint64_t first, std::size_t n,
                                                             std::uint32_t c2, std::uint32_t c3,
                                                             std::uint32_t* out) {
  constexpr int G = 2;
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(kPhiloxM1));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i one = _mm512_set1_epi32(1);
  for (std::size_t i = 0; i < n; ++i, first += kAvx512Blocks, out += 4 * kAvx512Blocks) {
    __m512i v0[G], v1[G], v2[G], v3[G];
    for (int g = 0; g < G; ++g) {
      const std::uint64_t base = first + 16 * static_cast<std::uint64_t>(g);
      const __m512i base_lo = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(base)));
      const __m512i base_hi =
          _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(base >> 32)));
      const __m512i lo = _mm512_add_epi32(base_lo, lane);
      // A lane whose low word wrapped (unsigned lo < base_lo) carries into the high word.
      const __mmask16 carry = _mm512_cmplt_epu32_mask(lo, base_lo);
      v0[g] = lo;
      v1[g] = _mm512_mask_add_epi32(base_hi, carry, base_hi, one);
      v2[g] = _mm512_set1_epi32(static_cast<int>(c2));
      v3[g] = _mm512_set1_epi32(static_cast<int>(c3));
    }
    std::uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; ++r) {
      const __m512i vk0 = _mm512_set1_epi32(static_cast<int>(k0));
      const __m512i vk1 = _mm512_set1_epi32(static_cast<int>(k1));
      for (int g = 0; g < G; ++g) {
        __m512i hi0, lo0, hi1, lo1;
        mulhilo16(v0[g], m0, hi0, lo0);
        mulhilo16(v2[g], m1, hi1, lo1);
        v0[g] = _mm512_xor_si512(_mm512_xor_si512(hi1, v1[g]), vk0);
        v1[g] = lo1;
        v2[g] = _mm512_xor_si512(_mm512_xor_si512(hi0, v3[g]), vk1);
        v3[g] = lo0;
      }
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    for (int g = 0; g < G; ++g) {
      // Transpose: register w holds word w of 16 blocks. Within each 128-bit lane L (blocks
      // 4L .. 4L + 3) the unpacks give b0 = block 4L, b1 = 4L + 1, b2 = 4L + 2, b3 = 4L + 3;
      // two 128-bit shuffles then gather lane L of b0..b3 into output register L.
      const __m512i t0 = _mm512_unpacklo_epi32(v0[g], v1[g]);
      const __m512i t1 = _mm512_unpacklo_epi32(v2[g], v3[g]);
      const __m512i t2 = _mm512_unpackhi_epi32(v0[g], v1[g]);
      const __m512i t3 = _mm512_unpackhi_epi32(v2[g], v3[g]);
      const __m512i b0 = _mm512_unpacklo_epi64(t0, t1);
      const __m512i b1 = _mm512_unpackhi_epi64(t0, t1);
      const __m512i b2 = _mm512_unpacklo_epi64(t2, t3);
      const __m512i b3 = _mm512_unpackhi_epi64(t2, t3);
      const __m512i x0 = _mm512_shuffle_i64x2(b0, b1, 0x88);  // b0.L0 b0.L2 b1.L0 b1.L2
      const __m512i x1 = _mm512_shuffle_i64x2(b2, b3, 0x88);  // b2.L0 b2.L2 b3.L0 b3.L2
      const __m512i x2 = _mm512_shuffle_i64x2(b0, b1, 0xDD);  // b0.L1 b0.L3 b1.L1 b1.L3
      const __m512i x3 = _mm512_shuffle_i64x2(b2, b3, 0xDD);  // b2.L1 b2.L3 b3.L1 b3.L3
      std::uint32_t* o = out + 64 * g;
      _mm512_storeu_si512(o + 0, _mm512_shuffle_i64x2(x0, x1, 0x88));   // blocks 0-3
      _mm512_storeu_si512(o + 16, _mm512_shuffle_i64x2(x2, x3, 0x88));  // blocks 4-7
      _mm512_storeu_si512(o + 32, _mm512_shuffle_i64x2(x0, x1, 0xDD));  // blocks 8-11
      _mm512_storeu_si512(o + 48, _mm512_shuffle_i64x2(x2, x3, 0xDD));  // blocks 12-15
    }
  }
}

#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

bool cpu_has(PhiloxPath path) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return path == PhiloxPath::avx2 ? avx2 : path == PhiloxPath::avx512 ? avx512 : true;
}
#endif

// The first `words` words of the blocks from `first` with a vector function of `group` blocks
// per call: whole groups in place, and a rest of 6 or more blocks (the last one possibly cut) as
// one more group into a buffer, its surplus words discarded (a group costs about as
// much as 6 blocks one at a time; peek_u32 after a skip that left the stream mid-block asks for
// a number of words that ends mid-block, a group minus one past the last full group for the
// draw chunks of 512 words). Returns the number of words done (a multiple of 4 when not all).
template <std::size_t group, class Vec>
std::size_t in_groups(Vec vec, const std::uint32_t key[2], std::uint64_t first, std::size_t words,
                      std::uint32_t c2, std::uint32_t c3, std::uint32_t* out) {
  constexpr std::size_t kMinRest = 6;
  const std::size_t blocks = (words + 3) / 4;
  if (blocks < kMinRest) return 0;
  const std::size_t full = words / (4 * group);
  if (full > 0) vec(key, first, full, c2, c3, out);
  std::size_t done = 4 * group * full;
  if ((words - done + 3) / 4 >= kMinRest) {
    std::uint32_t buffer[4 * group];
    vec(key, first + group * full, 1, c2, c3, buffer);
    std::copy(buffer, buffer + (words - done), out + done);
    done = words;
  }
  return done;
}

}  // namespace

bool philox_path_available(PhiloxPath path) {
#ifdef DCOPT_PHILOX_SIMD
  return cpu_has(path);
#else
  return path == PhiloxPath::best || path == PhiloxPath::scalar;
#endif
}

void philox_words(const std::uint32_t key[2], std::uint64_t first, std::size_t words,
                  std::uint32_t c2, std::uint32_t c3, std::uint32_t* out, PhiloxPath path) {
  if (path == PhiloxPath::best) {
    path = philox_path_available(PhiloxPath::avx512) ? PhiloxPath::avx512
           : philox_path_available(PhiloxPath::avx2) ? PhiloxPath::avx2
                                                     : PhiloxPath::scalar;
  }
  if (!philox_path_available(path)) {
    throw std::invalid_argument("philox_words: the CPU cannot run the requested vector path");
  }
  std::size_t done = 0;
#ifdef DCOPT_PHILOX_SIMD
  if (path == PhiloxPath::avx512) {
    done = in_groups<kAvx512Blocks>(philox_blocks_avx512, key, first, words, c2, c3, out);
  } else if (path == PhiloxPath::avx2) {
    done = in_groups<kAvx2Blocks>(philox_blocks_avx2, key, first, words, c2, c3, out);
  }
#endif
  for (; done + 4 <= words; done += 4) philox_block(key, first + done / 4, c2, c3, out + done);
  if (done < words) {
    std::uint32_t last[4];
    philox_block(key, first + done / 4, c2, c3, last);
    std::copy(last, last + (words - done), out + done);
  }
}

}  // namespace dcopt

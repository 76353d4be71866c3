#include "dcopt/core/rng.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace dcopt {
namespace {

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

// Philox-4x32-10 of the counter (block, c2, c3) under `key`: the four words of one block.
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

#if defined(__x86_64__) && defined(__GNUC__)
#define DCOPT_PHILOX_AVX2 1
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

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

// philox_block for n consecutive blocks from `first`, 4 n words into out.
void philox_blocks(const std::uint32_t key[2], std::uint64_t first, std::size_t n, std::uint32_t c2,
                   std::uint32_t c3, std::uint32_t* out) {
  std::size_t done = 0;
#ifdef DCOPT_PHILOX_AVX2
  // A rest of 6 or more blocks is one more AVX2 group into a buffer (its surplus blocks
  // discarded; a group of 16 costs about as much as 6 blocks one at a time): peek_u32 after a
  // skip that left the stream mid-block asks for 4 k - 1 blocks, 15 past the last full group
  // for the draw chunks of 512 words.
  constexpr std::size_t kMinRest = 6;
  if (n >= kMinRest && cpu_has_avx2()) {
    done = n / kAvx2Blocks * kAvx2Blocks;
    if (done > 0) philox_blocks_avx2(key, first, n / kAvx2Blocks, c2, c3, out);
    if (n - done >= kMinRest) {
      std::uint32_t group[4 * kAvx2Blocks];
      philox_blocks_avx2(key, first + done, 1, c2, c3, group);
      std::copy(group, group + 4 * (n - done), out + 4 * done);
      done = n;
    }
  }
#endif
  for (; done < n; ++done) philox_block(key, first + done, c2, c3, out + 4 * done);
}

// Sorts values below n (n <= 2^32) ascending: an LSD radix sort by bytes, over only the bytes
// that n - 1 needs (3 passes for n <= 2^24), skipping bytes that are the same in every value.
// Linear in v.size(), against std::sort's n log n, which dominated large sparse draws.
void sort_below(std::vector<std::uint32_t>& v, std::size_t n) {
  if (v.size() < 256) {
    std::sort(v.begin(), v.end());
    return;
  }
  unsigned passes = 0;
  for (std::uint64_t m = n - 1; m != 0 && passes < 4; m >>= 8) ++passes;
  std::array<std::array<std::uint32_t, 256>, 4> count{};
  for (std::uint32_t x : v) {
    for (unsigned p = 0; p < passes; ++p) ++count[p][(x >> (8 * p)) & 0xFF];
  }
  // Per-thread scratch that only grows: a codec samples a support every round, and the
  // allocation would otherwise be a per-round cost (the Rng itself is shared by nobody).
  thread_local std::vector<std::uint32_t> tmp;
  tmp.resize(v.size());
  std::uint32_t* src = v.data();
  std::uint32_t* dst = tmp.data();
  const std::size_t size = v.size();
  for (unsigned p = 0; p < passes; ++p) {
    const unsigned shift = 8 * p;
    if (count[p][(src[0] >> shift) & 0xFF] == size) continue;  // one bucket: already in order
    std::uint32_t offset[256];
    std::uint32_t sum = 0;
    for (unsigned b = 0; b < 256; ++b) {
      offset[b] = sum;
      sum += count[p][b];
    }
    for (std::size_t i = 0; i < size; ++i) dst[offset[(src[i] >> shift) & 0xFF]++] = src[i];
    std::swap(src, dst);
  }
  if (src != v.data()) std::copy(src, src + size, v.data());
}

}  // namespace

Rng::Rng(std::uint64_t seed, Purpose purpose, std::uint64_t worker, std::uint64_t round) {
  key_[0] = static_cast<std::uint32_t>(seed);
  key_[1] = static_cast<std::uint32_t>(seed >> 32);
  // The stream name (purpose, worker, round) is hashed into the high half of the counter; the low
  // half counts 128-bit blocks, so a stream has 2^64 blocks before it could meet another.
  std::uint64_t h = mix64(static_cast<std::uint64_t>(purpose) * 0x9E3779B97F4A7C15ULL);
  h = mix64(h ^ mix64(worker + 0x632BE59BD9B4E019ULL));
  h = mix64(h ^ mix64(round + 0x8CB92BA72F3D8DD7ULL));
  ctr_[0] = 0;
  ctr_[1] = 0;
  ctr_[2] = static_cast<std::uint32_t>(h);
  ctr_[3] = static_cast<std::uint32_t>(h >> 32);
}

void Rng::refill() {
  philox_block(key_, block_counter(), ctr_[2], ctr_[3], buf_);
  used_ = 0;
  if (++ctr_[0] == 0) ++ctr_[1];
}

void Rng::peek_u32(std::span<std::uint32_t> out) const {
  std::size_t i = 0;
  for (int u = used_; u < 4 && i < out.size(); ++u) out[i++] = buf_[u];
  std::uint64_t block = block_counter();  // the next block refill() would generate
  const std::size_t full = (out.size() - i) / 4;
  philox_blocks(key_, block, full, ctr_[2], ctr_[3], out.data() + i);
  i += 4 * full;
  if (i < out.size()) {
    std::uint32_t last[4];
    philox_block(key_, block + full, ctr_[2], ctr_[3], last);
    for (unsigned w = 0; i < out.size(); ++w) out[i++] = last[w];
  }
}

void Rng::skip_u32(std::uint64_t n) {
  const auto buffered = static_cast<std::uint64_t>(4 - used_);
  if (n <= buffered) {
    used_ += static_cast<int>(n);
    return;
  }
  // Past the buffered words the stream is at a block boundary; jump the counter.
  n -= buffered;
  const std::uint64_t block = block_counter() + n / 4;
  ctr_[0] = static_cast<std::uint32_t>(block);
  ctr_[1] = static_cast<std::uint32_t>(block >> 32);
  used_ = 4;
  if (n % 4 != 0) {
    refill();
    used_ = static_cast<int>(n % 4);
  }
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  double u1 = 0.0;
  do {
    u1 = uniform();
  } while (u1 <= 0.0);
  double u2 = uniform();
  double r = std::sqrt(-2.0 * std::log(u1));
  double t = 2.0 * std::numbers::pi * u2;
  spare_normal_ = r * std::sin(t);
  has_spare_ = true;
  return r * std::cos(t);
}

bool Rng::bernoulli(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return uniform() < p;
}

std::uint64_t Rng::below(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("Rng::below: n must be >= 1");
  // Lemire's multiply-shift with rejection.
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
  std::uint64_t low = static_cast<std::uint64_t>(m);
  if (low < n) {
    std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

void Rng::sample_without_replacement(std::size_t k, std::size_t n,
                                     std::vector<std::uint32_t>& out) {
  if (k > n) throw std::invalid_argument("Rng::sample_without_replacement: k > n");
  out.clear();
  if (k == 0) return;
  if (k * 4 >= n) {
    // Selection sampling (Knuth's algorithm S): one pass, output already sorted. One draw
    // below(n - i) per index, the words read in blocks: below(m) takes one next_u64 (two words)
    // unless its rejection test fails (probability below m / 2^64), so 2b words serve b draws;
    // a draw that would be rejected is left to below() itself, which then reads exactly the
    // words the draw-by-draw loop would. Same stream, same output, fewer calls.
    // The selection itself is branch-free (index i is always stored at the next free place and
    // kept by advancing the count), since about k/n of the tests succeed, unpredictably.
    out.resize(k);
    std::uint32_t* const picked = out.data();
    constexpr std::size_t kBlock = 128;  // draws per block
    std::uint32_t words[2 * kBlock];
    std::size_t needed = k;
    std::size_t i = 0;
    while (i < n && needed > 0) {
      const std::size_t b = std::min(kBlock, n - i);
      peek_u32(std::span<std::uint32_t>(words, 2 * b));
      std::size_t used = 0;
      bool rejected = false;
      for (; used < b && needed > 0; ++used, ++i) {
        const std::uint64_t m = n - i;
        const std::uint64_t x =
            (static_cast<std::uint64_t>(words[2 * used + 1]) << 32) | words[2 * used];
        const unsigned __int128 prod = static_cast<unsigned __int128>(x) * m;
        const auto low = static_cast<std::uint64_t>(prod);
        if (low < m && low < (0 - m) % m) [[unlikely]] {
          rejected = true;
          break;
        }
        picked[k - needed] = static_cast<std::uint32_t>(i);  // k - needed < k: in bounds
        needed -= static_cast<std::uint64_t>(prod >> 64) < needed ? 1 : 0;
      }
      skip_u32(2 * used);
      if (rejected) {
        if (below(n - i) < needed) {
          picked[k - needed] = static_cast<std::uint32_t>(i);
          --needed;
        }
        ++i;
      }
    }
    return;
  }
  // Floyd's algorithm with an open-addressing set sized to k: O(k) expected, independent of n.
  std::size_t cap = 1;
  while (cap < 2 * k) cap <<= 1;
  constexpr std::uint32_t empty = 0xFFFFFFFFu;
  thread_local std::vector<std::uint32_t> table;  // per-thread scratch, see sort_below
  table.assign(cap, empty);
  auto insert = [&](std::uint32_t v) -> bool {
    std::size_t h = static_cast<std::size_t>(mix64(v)) & (cap - 1);
    while (table[h] != empty) {
      if (table[h] == v) return false;
      h = (h + 1) & (cap - 1);
    }
    table[h] = v;
    return true;
  };
  out.reserve(k);
  for (std::size_t j = n - k; j < n; ++j) {
    auto t = static_cast<std::uint32_t>(below(j + 1));
    if (insert(t)) {
      out.push_back(t);
    } else {
      insert(static_cast<std::uint32_t>(j));
      out.push_back(static_cast<std::uint32_t>(j));
    }
  }
  sort_below(out, n);
}

}  // namespace dcopt

#include "dcopt/core/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "dcopt/core/philox.hpp"

namespace dcopt {
namespace {

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
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

// Rng::below(m) draws from words read in blocks of up to `kWords` (peek_u32, then one skip_u32
// for what was used): the same values, and the same words consumed, as one below() per draw. A
// draw whose rejection test fails (probability below m / 2^64) is left to below() itself, which
// then reads exactly the words the draw-by-draw loop would. finish() consumes the words used.
class BlockBelow {
 public:
  static constexpr std::size_t kWords = 256;
  /// `expected`: about how many words the caller will use (the first block's size).
  BlockBelow(Rng& rng, std::size_t expected) : rng_(rng), next_block_(expected) {}
  std::uint64_t operator()(std::uint64_t m) {
    if (pos_ + 2 > have_) refill();
    const std::uint64_t x = (static_cast<std::uint64_t>(words_[pos_ + 1]) << 32) | words_[pos_];
    const unsigned __int128 prod = static_cast<unsigned __int128>(x) * m;
    const auto low = static_cast<std::uint64_t>(prod);
    if (low < m && low < (0 - m) % m) [[unlikely]] {
      finish();
      return rng_.below(m);
    }
    pos_ += 2;
    return static_cast<std::uint64_t>(prod >> 64);
  }
  void finish() {
    rng_.skip_u32(pos_);
    pos_ = have_ = 0;
  }

 private:
  void refill() {
    finish();
    have_ = std::clamp<std::size_t>(next_block_ + (next_block_ & 1), 2, kWords);
    next_block_ = kWords;
    rng_.peek_u32(std::span<std::uint32_t>(words_, have_));
  }
  Rng& rng_;
  std::size_t next_block_;
  std::size_t pos_ = 0, have_ = 0;
  std::uint32_t words_[kWords];
};

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
  // The next block refill() would generate, and those after it.
  philox_words(key_, block_counter(), out.size() - i, ctr_[2], ctr_[3], out.data() + i);
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
    // below(n - i) per index, the words read in blocks (BlockBelow): same stream, same output.
    // The selection itself is branch-free (index i is always stored at the next free place and
    // kept by advancing the count), since about k/n of the tests succeed, unpredictably.
    out.resize(k);
    std::uint32_t* const picked = out.data();
    BlockBelow draw(*this, 2 * n);
    std::size_t needed = k;
    for (std::size_t i = 0; i < n && needed > 0; ++i) {
      picked[k - needed] = static_cast<std::uint32_t>(i);  // k - needed < k: in bounds
      needed -= draw(n - i) < needed ? 1 : 0;
    }
    draw.finish();
    return;
  }
  // Floyd's algorithm: for j = n-k, ..., n-1, t = below(j + 1) is taken unless it already is,
  // then j is. O(k) draws, independent of n; the draws read their words in blocks (BlockBelow).
  // The taken set is a bitmap when n is at most 512 bits per index drawn (the sorted output is
  // then read off the bitmap: no sort), else an open-addressing hash set sized to k.
  BlockBelow draw(*this, 2 * k);
  const std::size_t words = (n + 63) / 64;
  if (words <= 8 * k) {
    thread_local std::vector<std::uint64_t> taken;  // per-thread scratch, see sort_below
    taken.assign(words, 0);
    for (std::size_t j = n - k; j < n; ++j) {
      std::uint64_t t = draw(j + 1);
      if ((taken[t / 64] >> (t % 64)) & 1U) t = j;
      taken[t / 64] |= std::uint64_t{1} << (t % 64);
    }
    draw.finish();
    out.resize(k);
    std::size_t next = 0;
    for (std::size_t w = 0; w < words; ++w) {
      for (std::uint64_t bits = taken[w]; bits != 0; bits &= bits - 1) {
        out[next++] =
            static_cast<std::uint32_t>(64 * w + static_cast<unsigned>(std::countr_zero(bits)));
      }
    }
    return;
  }
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
    auto t = static_cast<std::uint32_t>(draw(j + 1));
    if (insert(t)) {
      out.push_back(t);
    } else {
      insert(static_cast<std::uint32_t>(j));
      out.push_back(static_cast<std::uint32_t>(j));
    }
  }
  draw.finish();
  sort_below(out, n);
}

}  // namespace dcopt

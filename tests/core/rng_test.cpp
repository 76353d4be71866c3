#include "dcopt/core/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

namespace dcopt {
namespace {

TEST(Rng, SameNameSameStream) {
  Rng a(42, Purpose::compressor, 3, 17);
  Rng b(42, Purpose::compressor, 3, 17);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(Rng, DifferentNamesDiffer) {
  // Changing any one component of the name changes the stream.
  Rng base(42, Purpose::compressor, 3, 17);
  Rng seed(43, Purpose::compressor, 3, 17);
  Rng purpose(42, Purpose::coin, 3, 17);
  Rng worker(42, Purpose::compressor, 4, 17);
  Rng round(42, Purpose::compressor, 3, 18);
  std::uint64_t v = base.next_u64();
  EXPECT_NE(v, seed.next_u64());
  EXPECT_NE(v, purpose.next_u64());
  EXPECT_NE(v, worker.next_u64());
  EXPECT_NE(v, round.next_u64());
}

TEST(Rng, UniformMomentsMatch) {
  // 1e6 draws: the mean of U(0,1) has sd 0.29/1000; 5 sd = 1.5e-3.
  Rng r(7, Purpose::test);
  const int n = 1000000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    s += u;
    s2 += u * u;
  }
  EXPECT_NEAR(s / n, 0.5, 1.5e-3);
  EXPECT_NEAR(s2 / n - (s / n) * (s / n), 1.0 / 12, 1e-3);
}

TEST(Rng, NormalMomentsMatch) {
  // mean sd = 1/1000, 5 sd = 5e-3; variance sd = sqrt(2)/1000, 5 sd = 7e-3.
  Rng r(8, Purpose::test);
  const int n = 1000000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    double z = r.normal();
    s += z;
    s2 += z * z;
  }
  EXPECT_NEAR(s / n, 0.0, 5e-3);
  EXPECT_NEAR(s2 / n, 1.0, 7e-3);
}

TEST(Rng, BelowIsUniformAndInRange) {
  Rng r(9, Purpose::test);
  std::vector<int> counts(7, 0);
  const int n = 700000;
  for (int i = 0; i < n; ++i) {
    auto v = r.below(7);
    ASSERT_LT(v, 7u);
    counts[v]++;
  }
  // each count ~ Binomial(n, 1/7): sd = sqrt(n*1/7*6/7) ~ 293; 6 sd ~ 1800
  for (int c : counts) EXPECT_NEAR(c, n / 7, 1800);
  EXPECT_THROW(r.below(0), std::invalid_argument);
}

TEST(Rng, SampleWithoutReplacementDistinctSortedUniform) {
  for (std::size_t n : {1u, 10u, 1000u, 100000u}) {
    for (std::size_t k : {std::size_t{0}, std::size_t{1}, n / 3, n}) {
      Rng r(11, Purpose::test, n, k);
      std::vector<std::uint32_t> out;
      r.sample_without_replacement(k, n, out);
      ASSERT_EQ(out.size(), k);
      for (std::size_t i = 1; i < out.size(); ++i) ASSERT_LT(out[i - 1], out[i]);
      if (!out.empty()) {
        ASSERT_LT(out.back(), n);
      }
    }
  }
  // Inclusion frequency of every index is k/n (both the Floyd and the selection path).
  for (std::size_t k : {3u, 60u}) {
    const std::size_t n = 100;
    const int trials = 40000;
    std::vector<int> hits(n, 0);
    Rng r(12, Purpose::test, k);
    std::vector<std::uint32_t> out;
    for (int t = 0; t < trials; ++t) {
      r.sample_without_replacement(k, n, out);
      for (auto i : out) hits[i]++;
    }
    double p = static_cast<double>(k) / n;
    double sd = std::sqrt(trials * p * (1 - p));
    for (int h : hits) EXPECT_NEAR(h, trials * p, 6 * sd) << "k=" << k;
  }
  Rng r(1, Purpose::test);
  std::vector<std::uint32_t> out;
  EXPECT_THROW(r.sample_without_replacement(5, 4, out), std::invalid_argument);
}

// The block draws must give exactly the words of next_u32() and leave the same state: codecs
// switched to them without changing a single bit of their output.
std::vector<std::uint32_t> scalar_words(Rng& r, std::size_t n) {
  std::vector<std::uint32_t> w(n);
  for (auto& v : w) v = r.next_u32();
  return w;
}

// sample_without_replacement(k, n) from a stream that starts mid-buffer must give the indices of
// `reference` (the draw-by-draw loop, run on a second Rng of the same stream) and leave the stream
// where that loop leaves it.
template <class Reference>
void expect_sampling_matches(std::uint64_t seed, std::size_t n, std::size_t k,
                             Reference reference) {
  Rng a(seed, Purpose::test, n, k), b(seed, Purpose::test, n, k);
  a.next_u32();  // start mid-buffer
  b.next_u32();
  std::vector<std::uint32_t> got;
  a.sample_without_replacement(k, n, got);
  const std::vector<std::uint32_t> want = reference(b);
  ASSERT_EQ(got, want) << "seed " << seed << " n " << n << " k " << k;
  ASSERT_EQ(a.next_u64(), b.next_u64()) << "seed " << seed << " n " << n << " k " << k;
}

// Selection sampling (k >= n/4) reads its words in blocks: the output and the words consumed
// must be those of one below(n - i) per index, including blocks that end early (k reached) and
// runs longer than a block.
TEST(Rng, SelectionSamplingMatchesTheDrawByDrawLoop) {
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    for (std::size_t n : {1u, 2u, 7u, 100u, 127u, 128u, 129u, 200u, 257u, 1000u}) {
      for (std::size_t k : {n / 4 + 1, n / 2, n - 1, n}) {
        if (k == 0 || k > n || k * 4 < n) continue;
        expect_sampling_matches(seed, n, k, [&](Rng& b) {
          std::vector<std::uint32_t> want;
          std::size_t needed = k;
          for (std::size_t i = 0; i < n && needed > 0; ++i) {
            if (b.below(n - i) < needed) {
              want.push_back(static_cast<std::uint32_t>(i));
              --needed;
            }
          }
          return want;
        });
      }
    }
  }
}

// Floyd's algorithm (k < n/4) reads its words in blocks and keeps a bitmap or a hash set: the
// output and the words consumed must be those of one below(j + 1) per index drawn, whichever set
// holds the indices (n <= 512 k: bitmap; larger n: hash set) and across several blocks (k > 128).
TEST(Rng, FloydSamplingMatchesTheDrawByDrawLoop) {
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    for (std::size_t n : {5u, 8u, 40u, 112u, 1000u, 5121u, 5119u, 100000u, 3000000u}) {
      for (std::size_t k : {1u, 2u, 10u, 129u, 300u}) {
        if (k * 4 >= n) continue;
        expect_sampling_matches(seed, n, k, [&](Rng& b) {
          std::set<std::uint32_t> taken;
          for (std::size_t j = n - k; j < n; ++j) {
            const auto t = static_cast<std::uint32_t>(b.below(j + 1));
            taken.insert(taken.count(t) != 0 ? static_cast<std::uint32_t>(j) : t);
          }
          return std::vector<std::uint32_t>(taken.begin(), taken.end());
        });
      }
    }
  }
}

TEST(RngBlocks, FillMatchesScalarDrawsAtEveryOffsetAndLength) {
  // Offsets 0..5 cover every position inside the 4-word buffer; lengths cover short draws,
  // lengths around one AVX2 group (16 blocks = 64 words) and a long one with an odd tail.
  const std::size_t lengths[] = {0, 1, 2, 3, 4, 5, 7, 63, 64, 65, 127, 128, 129, 1000, 4099};
  for (unsigned offset = 0; offset < 6; ++offset) {
    for (std::size_t n : lengths) {
      Rng a(11, Purpose::test, 2, 3), b(11, Purpose::test, 2, 3);
      scalar_words(a, offset);
      scalar_words(b, offset);
      std::vector<std::uint32_t> got(n);
      a.fill_u32(got);
      ASSERT_EQ(got, scalar_words(b, n)) << "offset " << offset << " length " << n;
      // Same state afterwards: the following draws agree, both 32- and 64-bit ones.
      ASSERT_EQ(a.next_u32(), b.next_u32());
      ASSERT_EQ(a.next_u64(), b.next_u64());
      ASSERT_EQ(a.uniform(), b.uniform());
    }
  }
}

TEST(RngBlocks, PeekDoesNotConsumeAndSkipMatchesDraws) {
  for (unsigned offset = 0; offset < 6; ++offset) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{4},
                          std::size_t{9}, std::size_t{70}, std::size_t{301}}) {
      Rng a(12, Purpose::compressor, 5, 1), b(12, Purpose::compressor, 5, 1);
      scalar_words(a, offset);
      scalar_words(b, offset);
      std::vector<std::uint32_t> peeked(n + 5), again(n + 5);
      a.peek_u32(peeked);
      a.peek_u32(again);
      ASSERT_EQ(peeked, again);
      a.skip_u32(n);
      std::vector<std::uint32_t> expect = scalar_words(b, n);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(peeked[i], expect[i]);
      // After skipping n, the stream continues with the peeked word n.
      for (std::size_t i = n; i < n + 5; ++i) ASSERT_EQ(a.next_u32(), peeked[i]);
      ASSERT_EQ(scalar_words(b, 5), std::vector<std::uint32_t>(peeked.begin() + n, peeked.end()));
    }
  }
}

TEST(RngBlocks, CounterCarryIntoTheHighWord) {
  // The block counter is 64 bits in two 32-bit halves; jump (skip is O(1)) to a few blocks
  // before the low half wraps, where the vector path must carry per lane as refill() does.
  const std::uint64_t near_wrap = 4 * ((std::uint64_t{1} << 32) - 21);
  for (unsigned offset = 0; offset < 4; ++offset) {
    Rng a(13, Purpose::test), b(13, Purpose::test);
    a.skip_u32(near_wrap + offset);
    b.skip_u32(near_wrap);
    scalar_words(b, offset);
    std::vector<std::uint32_t> got(600);
    a.fill_u32(got);
    ASSERT_EQ(got, scalar_words(b, 600)) << "offset " << offset;
    ASSERT_EQ(a.next_u64(), b.next_u64());
  }
}

TEST(RngBlocks, SkipEqualsDrawingForLongJumps) {
  for (std::uint64_t n : {std::uint64_t{5}, std::uint64_t{8}, std::uint64_t{1001}}) {
    Rng a(14, Purpose::data, 1, 1), b(14, Purpose::data, 1, 1);
    a.next_u32();
    b.next_u32();
    a.skip_u32(n);
    scalar_words(b, n);
    ASSERT_EQ(scalar_words(a, 9), scalar_words(b, 9));
  }
}

}  // namespace
}  // namespace dcopt

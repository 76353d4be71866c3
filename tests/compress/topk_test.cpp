// topk: keeps exactly the k largest magnitudes (ties to the lower index) on both selection paths
// (direct nth_element for small d, radix histogram for large d), is idempotent, contracts every
// vector, and has the declared wire size (ALGORITHMS.md §1.4, §1.15).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "compress/monte_carlo.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {
namespace {

using testing_support::header_bits;

enum class Shape { gaussian, heavy_tailed, few_levels, all_equal, mostly_zero };

std::vector<double> make_x(std::size_t d, Shape s, std::uint64_t seed) {
  Rng rng(seed, Purpose::test, d, static_cast<std::uint64_t>(s));
  std::vector<double> x(d);
  for (double& v : x) {
    switch (s) {
      case Shape::gaussian: v = rng.normal(); break;
      case Shape::heavy_tailed: v = rng.normal() / (rng.uniform() + 1e-3); break;
      case Shape::few_levels:  // many exact ties in magnitude, both signs
        v = static_cast<double>(rng.below(5)) * (rng.bernoulli(0.5) ? 1.0 : -1.0);
        break;
      case Shape::all_equal: v = rng.bernoulli(0.5) ? 0.75 : -0.75; break;
      case Shape::mostly_zero: v = rng.bernoulli(0.01) ? rng.normal() : 0.0; break;
    }
  }
  return x;
}

// The definition, by brute force: sort indices by (|x| descending, index ascending), keep k.
std::vector<double> reference_topk(const std::vector<double>& x, std::size_t k) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return std::abs(x[a]) > std::abs(x[b]); });
  std::vector<double> out(x.size(), 0.0);
  for (std::size_t i = 0; i < k; ++i) {
    out[order[i]] = static_cast<double>(static_cast<float>(x[order[i]]));
  }
  return out;
}

std::vector<double> compress_once(const Compressor& c, const std::vector<double>& x) {
  Rng rng(1, Purpose::compressor);
  std::vector<double> out(x.size());
  c.decode(c.encode(x, rng).bytes, out, Rng(1, Purpose::compressor));
  return out;
}

TEST(TopKCodec, KeepsExactlyTheKLargestWithTiesToTheLowerIndex) {
  // d = 40000 and 100000 take the radix-histogram path, the others the direct path.
  for (std::size_t d : {1u, 7u, 100u, 1000u, 40000u, 100000u}) {
    for (Shape s : {Shape::gaussian, Shape::heavy_tailed, Shape::few_levels, Shape::all_equal,
                    Shape::mostly_zero}) {
      const auto x = make_x(d, s, 2);
      for (std::size_t k : {std::size_t{1}, (d + 2) / 3, d / 100 + 1, d}) {
        auto c = make_compressor("topk:k=" + std::to_string(k));
        ASSERT_EQ(compress_once(*c, x), reference_topk(x, k))
            << "d=" << d << " shape=" << static_cast<int>(s) << " k=" << k;
      }
    }
  }
}

TEST(TopKCodec, AllEqualMagnitudesKeepTheFirstK) {
  for (std::size_t d : {500u, 70000u}) {
    auto x = make_x(d, Shape::all_equal, 3);
    auto out = compress_once(*make_compressor("topk:k=50"), x);
    for (std::size_t j = 0; j < d; ++j) ASSERT_EQ(out[j], j < 50 ? x[j] : 0.0) << "j=" << j;
  }
}

TEST(TopKCodec, IsIdempotentAndIgnoresTheStream) {
  for (std::size_t d : {100u, 50000u}) {
    for (Shape s : {Shape::gaussian, Shape::few_levels, Shape::mostly_zero}) {
      auto c = make_compressor("topk:ratio=0.05");
      const auto x = make_x(d, s, 4);
      const auto once = compress_once(*c, x);
      EXPECT_EQ(compress_once(*c, once), once) << "d=" << d << " shape=" << static_cast<int>(s);
      Rng a(5, Purpose::compressor, 0, 0), b(5, Purpose::compressor, 3, 9);
      EXPECT_EQ(c->encode(x, a).bytes, c->encode(x, b).bytes);
    }
  }
}

TEST(TopKCodec, ContractsEveryVector) {
  // ||C(x)-x||^2 <= (1 - k/d)||x||^2 holds exactly in real arithmetic (the dropped entries are
  // the d-k smallest squares, at most their average share). Slack: at fp64 only summation
  // rounding, bounded by ~d*eps relative (1e-10 covers d = 1e5); at fp32 the kept values are also
  // rounded, adding at most 2^-48 ||x||^2 (relative error 2^-24 per kept value, squared).
  Rng draw(6, Purpose::test);
  for (int t = 0; t < 300; ++t) {
    const std::size_t d = 1 + draw.below(t < 250 ? 2000 : 60000);
    const std::size_t k = 1 + draw.below(d);
    const Shape s = static_cast<Shape>(t % 5);
    const auto x = make_x(d, s, 100 + static_cast<std::uint64_t>(t));
    const double xx = vec::norm2_sq(x);
    for (unsigned precision : {32u, 64u}) {
      auto c = make_compressor("topk:k=" + std::to_string(k) +
                               ",precision=" + std::to_string(precision));
      const double err = vec::dist2_sq(compress_once(*c, x), x);
      const double bound = (1.0 - static_cast<double>(k) / static_cast<double>(d)) * xx;
      const double slack = 1e-10 * xx + (precision == 32 ? std::ldexp(xx, -48) : 0.0);
      ASSERT_LE(err, bound + slack) << "d=" << d << " k=" << k << " precision=" << precision;
    }
  }
}

TEST(TopKCodec, BitsMatchTheFormulaAndPropertiesAreDeclared) {
  // header + 1 mode bit + min(k*ceil(log2 d), d) + precision*k
  struct Case {
    std::size_t d, k;
    unsigned precision;
    std::uint64_t support;
  };
  for (const Case& c :
       {Case{1000, 10, 32, 100}, Case{1000, 300, 32, 1000}, Case{100000, 1000, 32, 17000},
        Case{100000, 10000, 64, 100000}, Case{1, 1, 32, 0}}) {
    auto codec = make_compressor("topk:k=" + std::to_string(c.k) +
                                 ",precision=" + std::to_string(c.precision));
    const auto x = make_x(c.d, Shape::gaussian, 7);
    Rng rng(8, Purpose::compressor);
    Message m = codec->encode(x, rng);
    EXPECT_EQ(m.bits, header_bits(c.d) + 1 + c.support + c.precision * c.k) << "d=" << c.d;
    auto p = codec->properties(c.d);
    EXPECT_EQ(p.delta, static_cast<double>(c.d) / static_cast<double>(c.k));
    EXPECT_EQ(p.expected_density, static_cast<double>(c.k));
    EXPECT_TRUE(p.deterministic);
    if (c.k < c.d) {
      EXPECT_FALSE(p.unbiased);
      EXPECT_TRUE(std::isinf(p.omega));
    }
  }
  // "Top30%" means k = ceil(0.3 d): 3 of 10 (0.3*10 must not round up to 4).
  EXPECT_EQ(make_compressor("topk:ratio=0.3")->properties(10).expected_density, 3.0);
}

TEST(TopKCodec, BadSpecsAndKLargerThanDAreRejected) {
  struct Case {
    const char* spec;
    const char* key;
    const char* range;
  };
  for (const Case& c :
       {Case{"topk:ratio=1.5", "ratio=1.5", "0 < ratio <= 1"},
        Case{"topk:ratio=0", "ratio=0", "0 < ratio <= 1"}, Case{"topk:k=0", "k=0", "k >= 1"},
        Case{"topk:k=5,ratio=0.5", "k (", "not both"}}) {
    try {
      make_compressor(c.spec);
      ADD_FAILURE() << c.spec << " must be rejected";
    } catch (const InvalidArgument& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(c.key), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.range), std::string::npos) << msg;
    }
  }
  auto c = make_compressor("topk:k=11");
  Rng rng(9, Purpose::compressor);
  const auto x = make_x(10, Shape::gaussian, 9);
  try {
    c->encode(x, rng);
    FAIL();
  } catch (const InvalidArgument& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("k=11"), std::string::npos) << msg;
    EXPECT_NE(msg.find("d=10"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace dcopt

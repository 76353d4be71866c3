// Every vector path of philox_words against philox_block, block by block: whole groups, the
// rest of a group taken through a buffer, short runs left to the scalar loop, runs that end
// inside a block, and a run across
// the wrap of the counter's low 32 bits (which the vector paths carry per lane). The known-answer
// test pins philox_block itself to Philox-4x32-10.
#include "dcopt/core/philox.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dcopt {
namespace {

const PhiloxPath kPaths[] = {PhiloxPath::best, PhiloxPath::scalar, PhiloxPath::avx2,
                             PhiloxPath::avx512};

std::string name(PhiloxPath p) {
  switch (p) {
    case PhiloxPath::best: return "best";
    case PhiloxPath::scalar: return "scalar";
    case PhiloxPath::avx2: return "avx2";
    case PhiloxPath::avx512: return "avx512";
  }
  return "?";
}

std::vector<std::uint32_t> one_by_one(const std::uint32_t key[2], std::uint64_t first,
                                      std::size_t n, std::uint32_t c2, std::uint32_t c3) {
  std::vector<std::uint32_t> w(4 * n);
  for (std::size_t b = 0; b < n; ++b) philox_block(key, first + b, c2, c3, w.data() + 4 * b);
  return w;
}

// The known answer of Random123's kat_vectors for Philox-4x32-10 at counter 0 and key 0.
TEST(Philox, KnownAnswer) {
  const std::uint32_t key[2] = {0, 0};
  std::uint32_t out[4];
  philox_block(key, 0, 0, 0, out);
  EXPECT_EQ(out[0], 0x6627e8d5u);
  EXPECT_EQ(out[1], 0xe169c58du);
  EXPECT_EQ(out[2], 0xbc57ac4cu);
  EXPECT_EQ(out[3], 0x9b00dbd8u);
}

TEST(Philox, EveryPathMatchesTheBlockFunction) {
  const std::uint32_t key[2] = {0x243F6A88u, 0x85A308D3u};
  const std::size_t lengths[] = {0,  1,  5,  6,  15, 16, 17,  21,  31,
                                 32, 33, 37, 63, 64, 65, 127, 128, 200};
  const std::uint64_t starts[] = {0, 3, (std::uint64_t{1} << 32) - 20,
                                  (std::uint64_t{7} << 32) - 1};
  int ran = 0;
  for (PhiloxPath path : kPaths) {
    if (!philox_path_available(path)) continue;
    ++ran;
    for (std::uint64_t first : starts) {
      for (std::size_t n : lengths) {
        std::vector<std::uint32_t> want =
            one_by_one(key, first, (n + 3) / 4, 0x13198A2Eu, 0x03707344u);
        want.resize(n);
        std::vector<std::uint32_t> got(n + 4, 0xDEADBEEFu);
        philox_words(key, first, n, 0x13198A2Eu, 0x03707344u, got.data(), path);
        const std::string where =
            name(path) + " first=" + std::to_string(first) + " n=" + std::to_string(n);
        ASSERT_EQ(std::vector<std::uint32_t>(got.begin(), got.begin() + n), want) << where;
        for (std::size_t i = n; i < got.size(); ++i) {
          ASSERT_EQ(got[i], 0xDEADBEEFu) << where << ": wrote past the end";
        }
      }
    }
  }
  EXPECT_GE(ran, 2);  // best and scalar at least
}

TEST(Philox, UnavailablePathIsRefused) {
  for (PhiloxPath path : kPaths) {
    if (philox_path_available(path)) continue;
    const std::uint32_t key[2] = {1, 2};
    std::uint32_t out[4 * 40];
    EXPECT_THROW(philox_words(key, 0, 160, 0, 0, out, path), std::invalid_argument) << name(path);
  }
  EXPECT_TRUE(philox_path_available(PhiloxPath::best));
  EXPECT_TRUE(philox_path_available(PhiloxPath::scalar));
}

}  // namespace
}  // namespace dcopt

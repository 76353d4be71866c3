// BitPacker/BitUnpacker and the block methods BitWriter::write_words / BitReader::read_words /
// BitWriter::append_bytes: same stream as bit-by-bit writes, aligned or not; gamma codes of
// every length; truncation detected.
#include "dcopt/core/bit_pack.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "dcopt/core/bit_io.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

TEST(BitPack, WordsMatchFieldByFieldWritesAlignedOrNot) {
  Rng rng(1, Purpose::test);
  for (unsigned lead : {0u, 3u, 8u}) {
    BitPacker pk;
    BitWriter ref;
    ref.write(5, lead);
    std::vector<std::pair<std::uint64_t, unsigned>> fields;
    for (int i = 0; i < 500; ++i) {
      unsigned n = 1 + static_cast<unsigned>(rng.below(64));
      std::uint64_t v = n == 64 ? rng.next_u64() : rng.next_u64() & ((std::uint64_t{1} << n) - 1);
      fields.push_back({v, n});
      pk.put(v, n);
      ref.write(v, n);
    }
    BitWriter w;
    w.write(5, lead);
    std::size_t nbits = pk.bits();
    w.write_words(pk.finish(), nbits);
    EXPECT_EQ(w.bits(), ref.bits());
    auto bytes = w.take();
    ASSERT_EQ(bytes, ref.take()) << "lead " << lead;
    BitReader r(bytes);
    EXPECT_EQ(r.read(lead, "lead"), lead == 0 ? 0u : 5u & ((1u << lead) - 1));
    std::vector<std::uint64_t> words(nbits / 64 + 1);
    r.read_words(words, nbits, "fields");
    BitUnpacker u(words, nbits);
    for (auto [v, n] : fields) ASSERT_EQ(u.get(n, "field"), v);
    EXPECT_THROW(u.get(1, "past the end"), DecodeError);
  }
}

TEST(BitPack, GammaCodesRoundTripAtEveryLength) {
  BitPacker pk;
  std::vector<std::uint64_t> values;
  for (unsigned len = 0; len < 64; ++len) {
    values.push_back(std::uint64_t{1} << len);
    values.push_back((std::uint64_t{1} << len) | ((std::uint64_t{1} << len) - 1));
  }
  std::size_t expected = 0;
  for (auto v : values) {
    pk.put_gamma(v);
    expected += BitPacker::gamma_bits(v);
  }
  ASSERT_EQ(pk.bits(), expected);
  std::size_t nbits = pk.bits();
  auto words = pk.finish();
  BitUnpacker u(words, nbits);
  for (auto v : values) ASSERT_EQ(u.get_gamma("n"), v);
  EXPECT_EQ(u.remaining(), 0u);
  EXPECT_THROW(u.get_gamma("n"), DecodeError);
}

TEST(BitPack, ReadWordsRejectsTruncationWithoutConsuming) {
  std::vector<std::uint8_t> bytes = {1, 2, 3};
  BitReader r(bytes);
  std::vector<std::uint64_t> words(1);
  EXPECT_THROW(r.read_words(words, 25, "x"), DecodeError);
  EXPECT_EQ(r.position(), 0u);
  r.read_words(words, 20, "x");
  EXPECT_EQ(words[0], 0x0201u | (std::uint64_t{3} << 16));
}

TEST(BitPack, AppendBytesNeedsAByteBoundary) {
  BitWriter w;
  w.write(1, 8);
  auto span = w.append_bytes(2);
  span[0] = 7;
  span[1] = 9;
  EXPECT_EQ(w.bits(), 24u);
  w.write(1, 1);
  EXPECT_THROW(w.append_bytes(1), std::logic_error);
  auto bytes = w.take();
  EXPECT_EQ(bytes, (std::vector<std::uint8_t>{1, 7, 9, 1}));
}

}  // namespace
}  // namespace dcopt

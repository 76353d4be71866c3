#include "dcopt/core/bit_io.hpp"

#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt {
namespace {

TEST(BitIo, RoundTripMixedFields) {
  BitWriter w;
  w.write(5, 3);
  w.write_bit(true);
  w.write(0xDEADBEEFCAFEBABEULL, 64);
  w.write_varint(300);
  w.write_elias_gamma(1);
  w.write_elias_gamma(17);
  w.write_elias_omega(1);
  w.write_elias_omega(1000000);
  w.write_f32(-1.5f);
  w.write_f64(3.25);
  std::size_t bits = w.bits();
  auto bytes = w.take();
  EXPECT_EQ(bytes.size(), (bits + 7) / 8);
  BitReader r(bytes, bits);
  EXPECT_EQ(r.read(3, "a"), 5u);
  EXPECT_TRUE(r.read_bit("b"));
  EXPECT_EQ(r.read(64, "c"), 0xDEADBEEFCAFEBABEULL);
  EXPECT_EQ(r.read_varint("d"), 300u);
  EXPECT_EQ(r.read_elias_gamma("e"), 1u);
  EXPECT_EQ(r.read_elias_gamma("f"), 17u);
  EXPECT_EQ(r.read_elias_omega("g"), 1u);
  EXPECT_EQ(r.read_elias_omega("h"), 1000000u);
  EXPECT_EQ(r.read_f32("i"), -1.5f);
  EXPECT_EQ(r.read_f64("j"), 3.25);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(BitIo, EliasCodeLengths) {
  // gamma(n) has 2*floor(log2 n)+1 bits; omega(1) is a single 0 bit.
  for (std::uint64_t n : {1ull, 2ull, 3ull, 4ull, 255ull, 256ull, 1ull << 40}) {
    BitWriter w;
    w.write_elias_gamma(n);
    unsigned l = 63 - static_cast<unsigned>(__builtin_clzll(n));
    EXPECT_EQ(w.bits(), 2 * l + 1) << n;
  }
  BitWriter w;
  w.write_elias_omega(1);
  EXPECT_EQ(w.bits(), 1u);
  EXPECT_THROW(w.write_elias_gamma(0), std::invalid_argument);
}

TEST(BitIo, RandomRoundTrip) {
  Rng rng(3, Purpose::test);
  std::vector<std::pair<std::uint64_t, unsigned>> fields;
  BitWriter w;
  for (int i = 0; i < 5000; ++i) {
    unsigned nb = static_cast<unsigned>(rng.below(65));
    std::uint64_t v = rng.next_u64();
    if (nb < 64) v &= (std::uint64_t{1} << nb) - 1;
    if (nb == 0) v = 0;
    fields.emplace_back(v, nb);
    w.write(v, nb);
  }
  std::size_t bits = w.bits();
  auto bytes = w.take();
  BitReader r(bytes, bits);
  for (auto [v, nb] : fields) ASSERT_EQ(r.read(nb, "f"), v);
}

// The bytes a stream of fields must become, one bit at a time (LSB-first in little-endian
// bytes): the model the word-at-a-time writer and reader are checked against.
std::vector<std::uint8_t> bit_by_bit(
    const std::vector<std::pair<std::uint64_t, unsigned>>& fields) {
  std::vector<std::uint8_t> out;
  std::size_t pos = 0;
  for (auto [v, nb] : fields) {
    for (unsigned b = 0; b < nb; ++b, ++pos) {
      if (pos % 8 == 0) out.push_back(0);
      if ((v >> b) & 1) out.back() |= static_cast<std::uint8_t>(1u << (pos % 8));
    }
  }
  return out;
}

TEST(BitIo, WriterAndReaderMatchTheBitByBitModelWithBlocksInBetween) {
  // Random widths, with byte-aligned blocks (write_words, append_bytes) in between, so that the
  // writer's word-sized accumulator is stored at every fill level; then reads at every offset
  // of the buffer's last bytes, where the reader cannot load a whole word.
  Rng rng(9, Purpose::test);
  std::vector<std::pair<std::uint64_t, unsigned>> fields;
  BitWriter w;
  for (int i = 0; i < 4000; ++i) {
    const unsigned nb = static_cast<unsigned>(rng.below(65));
    std::uint64_t v = nb == 0 ? 0 : rng.next_u64();
    if (nb > 0 && nb < 64) v &= (std::uint64_t{1} << nb) - 1;
    w.write(v, nb);
    fields.emplace_back(v, nb);
    if (i % 97 == 0) {
      w.align_byte();
      std::size_t model_bits = 0;
      for (auto [fv, fb] : fields) model_bits += fb;
      fields.emplace_back(0, static_cast<unsigned>((8 - model_bits % 8) % 8));
      const std::uint64_t words[2] = {rng.next_u64(), rng.next_u64()};
      w.write_words(words, 77);
      fields.emplace_back(words[0], 64);
      fields.emplace_back(words[1] & ((1u << 13) - 1), 13);
      w.align_byte();
      fields.emplace_back(0, 3);  // 77 = 9 bytes + 5 bits: 3 bits of padding
      const std::span<std::uint8_t> raw = w.append_bytes(3);
      for (std::size_t j = 0; j < raw.size(); ++j) {
        raw[j] = static_cast<std::uint8_t>(rng.below(256));
        fields.emplace_back(raw[j], 8);
      }
    }
  }
  const std::size_t bits = w.bits();
  const std::vector<std::uint8_t> bytes = w.take();
  ASSERT_EQ(bytes, bit_by_bit(fields));
  BitReader r(bytes, bits);
  for (auto [v, nb] : fields) ASSERT_EQ(r.read(nb, "field"), v);
  EXPECT_EQ(r.remaining(), 0u);
  // Near the end: every start and width that fits.
  for (std::size_t start = bytes.size() * 8 - 80; start < bytes.size() * 8; ++start) {
    for (unsigned nb = 1; nb <= 64 && start + nb <= bytes.size() * 8; ++nb) {
      BitReader t(bytes);
      t.read(static_cast<unsigned>(start % 64), "skip");
      for (std::size_t s = start % 64; s < start; s += 64) t.read(64, "skip");
      std::uint64_t want = 0;
      for (unsigned b = 0; b < nb; ++b) {
        const std::size_t p = start + b;
        want |= static_cast<std::uint64_t>((bytes[p / 8] >> (p % 8)) & 1) << b;
      }
      ASSERT_EQ(t.read(nb, "tail"), want) << "start " << start << " width " << nb;
    }
  }
}

TEST(BitIo, TruncatedReadsThrowNamingTheField) {
  std::vector<std::uint8_t> bytes{0xFF};
  BitReader r(bytes);
  EXPECT_EQ(r.read(4, "x"), 0xFu);
  try {
    r.read(5, "payload");
    FAIL() << "expected DecodeError";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("payload"), std::string::npos);
  }
}

TEST(BitIo, MalformedCodesAreRejected) {
  std::vector<std::uint8_t> zeros(16, 0);
  {
    BitReader r(zeros);
    EXPECT_THROW(r.read_elias_gamma("g"), DecodeError);
  }
  std::vector<std::uint8_t> ff(16, 0xFF);
  {
    BitReader r(ff);
    EXPECT_THROW(r.read_varint("v"), DecodeError);
  }
  {
    BitReader r(ff);
    EXPECT_THROW(r.read_elias_omega("o"), DecodeError);
  }
  std::vector<std::uint8_t> trailing{0x01, 0x00};
  {
    BitReader r(trailing);
    r.read(1, "a");
    EXPECT_THROW(r.expect_end("a"), DecodeError);  // 15 bits left: oversized
  }
  std::vector<std::uint8_t> dirty{0x03};
  {
    BitReader r(dirty);
    r.read(1, "a");
    EXPECT_THROW(r.expect_end("a"), DecodeError);  // non-zero padding
  }
}

TEST(BitIo, BitsForIndex) {
  EXPECT_EQ(bits_for_index(1), 0u);
  EXPECT_EQ(bits_for_index(2), 1u);
  EXPECT_EQ(bits_for_index(3), 2u);
  EXPECT_EQ(bits_for_index(4), 2u);
  EXPECT_EQ(bits_for_index(5), 3u);
  EXPECT_EQ(bits_for_index(1u << 20), 20u);
}

TEST(BitIo, WriterReusesTheCallersBuffer) {
  // The old contents are discarded, the storage is kept and handed back by take(): writing a
  // message no larger than the buffer's capacity does not reallocate.
  std::vector<std::uint8_t> buf(100, 0xAB);
  buf.reserve(256);
  const std::uint8_t* storage = buf.data();
  BitWriter w(std::move(buf));
  EXPECT_EQ(w.bits(), 0u);
  w.reserve_bits(8 * 200);
  w.write(0x1234, 16);
  w.write_bit(true);
  w.align_byte();
  std::span<std::uint8_t> more = w.append_bytes(150);
  for (std::uint8_t& b : more) b = 7;
  w.write(3, 2);
  EXPECT_EQ(w.bits(), 24u + 8 * 150 + 2);
  std::vector<std::uint8_t> out = w.take();
  EXPECT_EQ(out.data(), storage) << "the caller's storage must be reused";
  ASSERT_EQ(out.size(), 3u + 150 + 1);
  EXPECT_EQ(out[0], 0x34);
  EXPECT_EQ(out[1], 0x12);
  EXPECT_EQ(out[2], 0x01);
  EXPECT_EQ(out[3], 7);
  EXPECT_EQ(out[153], 3);
  // The writer is empty again and produces a fresh stream.
  EXPECT_EQ(w.bits(), 0u);
  w.write(0xFF, 8);
  EXPECT_EQ(w.take(), (std::vector<std::uint8_t>{0xFF}));
}

}  // namespace
}  // namespace dcopt

#pragma once
// Word-at-a-time bit packing for the hot loops of codecs. BitWriter/BitReader are general and
// checked per call; a codec that emits millions of short fields instead packs them here into
// 64-bit words (same LSB-first bit order as BitWriter) and hands the words over in one
// BitWriter::write_words() / BitReader::read_words() block copy.
//
// Also an Elias gamma code in the bit order that suits LSB-first packing: for n >= 1 with
// L = floor(log2 n), L zero bits, a one bit, then the low L bits of n, least significant first.
// It has the length of the classic Elias gamma code (2L+1 bits) and the same prefix property, but
// both directions are a couple of shifts and a count-trailing-zeros instead of a per-bit loop.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcopt/core/error.hpp"

namespace dcopt {

class BitPacker {
 public:
  /// `expected_bits` only sizes the buffer.
  explicit BitPacker(std::size_t expected_bits = 0) { words_.reserve(expected_bits / 64 + 2); }
  /// Packs into `buffer`'s storage (contents discarded, capacity kept; allocates only if it is
  /// too small), so that a caller keeping the buffer across calls packs without allocating.
  /// release() hands the storage back.
  BitPacker(std::vector<std::uint64_t>&& buffer, std::size_t expected_bits)
      : words_(std::move(buffer)) {
    words_.clear();
    words_.reserve(expected_bits / 64 + 2);
  }

  /// Append the low n bits of v (1 <= n <= 64); v must have no bits set at or above bit n.
  void put(std::uint64_t v, unsigned n) {
    acc_ |= v << fill_;
    unsigned total = fill_ + n;
    if (total >= 64) {
      words_.push_back(acc_);
      // The bits of v that did not fit (none when fill_ == 0).
      acc_ = fill_ == 0 ? 0 : v >> (64 - fill_);
      fill_ = total - 64;
    } else {
      fill_ = total;
    }
  }

  /// Append n fields of `width` bits each (1 <= width <= 32), v[0] first: the same bits as n
  /// put(v[i], width) calls. Each v[i] must be < 2^width. Fields are first joined into groups
  /// of as many as fit in 64 bits (at most 32; a vectorizable pass), so the serial
  /// shift-and-store chain runs once per group, without a capacity check.
  void put_fixed(const std::uint32_t* v, std::size_t n, unsigned width) {
    switch (width == 1 ? 32 : 64 / width) {
      case 32: put_grouped<32>(v, n, width); break;
      case 21: put_grouped<21>(v, n, width); break;
      case 16: put_grouped<16>(v, n, width); break;
      case 12: put_grouped<12>(v, n, width); break;
      case 10: put_grouped<10>(v, n, width); break;
      case 9: put_grouped<9>(v, n, width); break;
      case 8: put_grouped<8>(v, n, width); break;
      case 7: put_grouped<7>(v, n, width); break;
      case 6: put_grouped<6>(v, n, width); break;
      case 5: put_grouped<5>(v, n, width); break;
      case 4: put_grouped<4>(v, n, width); break;
      case 3: put_grouped<3>(v, n, width); break;
      default: put_grouped<2>(v, n, width); break;
    }
  }

  /// Append the LSB-first Elias gamma code of n >= 1 (2*floor(log2 n)+1 bits).
  void put_gamma(std::uint64_t n) {
    unsigned len = 63 - static_cast<unsigned>(std::countl_zero(n));
    std::uint64_t low = n ^ (std::uint64_t{1} << len);
    if (len < 32) {
      put((low << (len + 1)) | (std::uint64_t{1} << len), 2 * len + 1);
    } else {
      put(std::uint64_t{1} << len, len + 1);
      put(low, len);
    }
  }

  /// Number of bits put so far.
  std::size_t bits() const { return (words_.size() - (finished_ ? 1 : 0)) * 64 + fill_; }

  /// Flushes the pending bits and returns all packed words (for BitWriter::write_words with
  /// nbits = bits()). Call once, after the last put().
  std::span<const std::uint64_t> finish() {
    if (!finished_ && fill_ > 0) {
      words_.push_back(acc_);
      finished_ = true;
    }
    return words_;
  }

  /// Hands the word storage back (for reuse by the next BitPacker); the packer is then empty
  /// and must not be used again.
  std::vector<std::uint64_t> release() { return std::move(words_); }

  /// Bit length of gamma code of n >= 1.
  static unsigned gamma_bits(std::uint64_t n) {
    return 2 * (63 - static_cast<unsigned>(std::countl_zero(n))) + 1;
  }

 private:
  template <unsigned F>
  void put_grouped(const std::uint32_t* v, std::size_t n, unsigned width) {
    constexpr std::size_t kBatch = 64;  // groups joined per pass
    const unsigned group_width = F * width;
    std::uint64_t group[kBatch];
    const std::size_t groups = n / F;
    const std::size_t old = words_.size();
    words_.resize(old + (fill_ + groups * group_width) / 64);
    std::uint64_t* out = words_.data() + old;
    std::uint64_t acc = acc_;
    unsigned fill = fill_;
    for (std::size_t g0 = 0; g0 < groups; g0 += kBatch) {
      const std::size_t m = groups - g0 < kBatch ? groups - g0 : kBatch;
      const std::uint32_t* p = v + F * g0;
      for (std::size_t g = 0; g < m; ++g) {
        std::uint64_t joined = 0;
        for (unsigned k = 0; k < F; ++k) joined |= std::uint64_t{p[F * g + k]} << (k * width);
        group[g] = joined;
      }
      for (std::size_t g = 0; g < m; ++g) {
        const std::uint64_t f = group[g];
        acc |= f << fill;  // fill < 64
        fill += group_width;
        if (fill >= 64) {
          *out++ = acc;
          fill -= 64;
          // The bits of f that did not fit: f >> (group_width - fill), written as two shifts
          // so that fill == 0 (none left, and group_width may be 64) needs no branch.
          acc = (f >> 1) >> (group_width - 1 - fill);
        }
      }
    }
    acc_ = acc;
    fill_ = fill;
    for (std::size_t i = groups * F; i < n; ++i) put(v[i], width);
  }

  std::vector<std::uint64_t> words_;
  std::uint64_t acc_ = 0;
  unsigned fill_ = 0;
  bool finished_ = false;
};

/// Reads fields back from words produced by BitReader::read_words(). Bounds-checked: reading
/// past `nbits` throws DecodeError naming the field.
class BitUnpacker {
 public:
  /// `words` must hold at least ceil(nbits/64) words, zero past nbits.
  BitUnpacker(std::span<const std::uint64_t> words, std::size_t nbits)
      : words_(words), nbits_(nbits) {}

  /// Read n bits (1 <= n <= 64) without a bounds check: the caller has checked, once, that
  /// position() + n <= size() for the whole run of fixed-width fields it reads.
  std::uint64_t get_unchecked(unsigned n) {
    std::size_t w = pos_ >> 6;
    unsigned off = static_cast<unsigned>(pos_ & 63);
    std::uint64_t v = words_[w] >> off;
    if (off + n > 64) v |= words_[w + 1] << (64 - off);
    pos_ += n;
    return n == 64 ? v : v & ((std::uint64_t{1} << n) - 1);
  }

  std::uint64_t get(unsigned n, std::string_view what) {
    if (n > nbits_ - pos_) fail(n, what);
    return get_unchecked(n);
  }

  /// LSB-first Elias gamma code (see the header comment).
  std::uint64_t get_gamma(std::string_view what) {
    std::uint64_t peek = pos_ < nbits_ ? peek64() : 0;
    if (peek == 0) {
      if (nbits_ - pos_ < 64) fail(64, what);
      throw DecodeError("malformed Elias gamma code in field '" + std::string(what) +
                        "' (64 or more leading zeros)");
    }
    unsigned len = static_cast<unsigned>(std::countr_zero(peek));
    get(len + 1, what);
    if (len == 0) return 1;
    return (std::uint64_t{1} << len) | get(len, what);
  }

  std::size_t position() const { return pos_; }
  std::size_t size() const { return nbits_; }
  std::size_t remaining() const { return nbits_ - pos_; }

 private:
  // The next up to 64 bits; zeros past the end of the words (which are zero past nbits).
  std::uint64_t peek64() const {
    std::size_t w = pos_ >> 6;
    unsigned off = static_cast<unsigned>(pos_ & 63);
    std::uint64_t v = words_[w] >> off;
    if (off > 0 && w + 1 < words_.size()) v |= words_[w + 1] << (64 - off);
    return v;
  }
  [[noreturn]] void fail(unsigned n, std::string_view what) const {
    throw DecodeError("truncated message: field '" + std::string(what) + "' needs " +
                      std::to_string(n) + " bits at payload bit " + std::to_string(pos_) +
                      " but only " + std::to_string(nbits_ - pos_) + " remain");
  }

  std::span<const std::uint64_t> words_;
  std::size_t nbits_;
  std::size_t pos_ = 0;
};

}  // namespace dcopt

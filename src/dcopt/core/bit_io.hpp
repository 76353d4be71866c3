#pragma once
// Bit-level writer and bounds-checked reader for wire formats. Bits are packed LSB-first within
// little-endian bytes. The reader treats its input as untrusted: every read past the end, every
// over-long code and every non-zero padding throws DecodeError naming the field and offset.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace dcopt {

class BitWriter {
 public:
  BitWriter() = default;
  /// Writes into `buffer`'s storage: the contents are discarded (the stream starts empty) but
  /// the capacity is kept, and take() hands the same storage back. A caller that passes the
  /// buffer of its previous message therefore writes without allocating once the capacity
  /// suffices.
  explicit BitWriter(std::vector<std::uint8_t>&& buffer) : bytes_(std::move(buffer)) {
    bytes_.clear();
  }
  /// Reserve room for about `bits` bits (allocates only if the capacity is smaller).
  void reserve_bits(std::size_t bits) { bytes_.reserve((bits + 7) / 8 + 8); }
  /// Append the low `nbits` (0..64) bits of `value`.
  void write(std::uint64_t value, unsigned nbits);
  void write_bit(bool b) { write(b ? 1u : 0u, 1); }
  /// LEB128-style varint in 8-bit groups (7 payload bits + continuation).
  void write_varint(std::uint64_t value);
  /// Elias gamma code of n >= 1: 2*floor(log2 n)+1 bits.
  void write_elias_gamma(std::uint64_t n);
  /// Elias omega code of n >= 1.
  void write_elias_omega(std::uint64_t n);
  void write_f32(float v);
  void write_f64(double v);
  /// Append the first `nbits` bits of `words` (bit i of the stream is bit i%64 of words[i/64],
  /// the same LSB-first order as write()). Requires nbits <= 64 * words.size(). When the writer
  /// is at a byte boundary this is a block copy, which is what fast codecs rely on.
  void write_words(std::span<const std::uint64_t> words, std::size_t nbits);
  /// Grow the stream by `nbytes` zero bytes (8 * nbytes bits) and return them to be filled in
  /// place, for codecs whose payload is whole bytes (no intermediate buffer). Requires the writer
  /// to be at a byte boundary (std::logic_error otherwise); the span is valid until the next
  /// write.
  std::span<std::uint8_t> append_bytes(std::size_t nbytes);
  /// Pad to a byte boundary with zeros.
  void align_byte();
  /// Number of bits written so far (exact, before padding).
  std::size_t bits() const { return bit_count_; }
  /// Finish (zero-pad the last byte) and hand over the bytes (with their storage). The writer
  /// is then empty, as if default-constructed.
  std::vector<std::uint8_t> take();

 private:
  /// Stores the whole bytes of the accumulator (acc_bits_ < 8 afterwards).
  void flush_acc();
  std::vector<std::uint8_t> bytes_;
  std::uint64_t acc_ = 0;  // pending bits, LSB first
  unsigned acc_bits_ = 0;  // number of pending bits in acc_ (< 64 between calls)
  std::size_t bit_count_ = 0;
};

class BitReader {
 public:
  /// Reads at most `bit_limit` bits of `bytes` (default: all of them).
  explicit BitReader(std::span<const std::uint8_t> bytes);
  BitReader(std::span<const std::uint8_t> bytes, std::size_t bit_limit);

  /// Read `nbits` (0..64) bits; `what` names the field for error messages.
  std::uint64_t read(unsigned nbits, std::string_view what);
  bool read_bit(std::string_view what) { return read(1, what) != 0; }
  std::uint64_t read_varint(std::string_view what);
  std::uint64_t read_elias_gamma(std::string_view what);
  std::uint64_t read_elias_omega(std::string_view what);
  float read_f32(std::string_view what);
  double read_f64(std::string_view what);
  /// Read `nbits` bits into `words` in write_words() order; bits of `words` past nbits are
  /// zeroed. Requires nbits <= 64 * words.size(); throws DecodeError (nothing consumed) if fewer
  /// than nbits bits remain. A block copy when the reader is at a byte boundary.
  void read_words(std::span<std::uint64_t> words, std::size_t nbits, std::string_view what);
  void align_byte(std::string_view what);
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return limit_ - pos_; }
  /// Require that only zero padding (< 8 bits, up to the byte boundary) remains: rejects
  /// oversized messages and trailing garbage.
  void expect_end(std::string_view what);

 private:
  [[noreturn]] void fail_truncated(unsigned nbits, std::string_view what) const;
  std::span<const std::uint8_t> bytes_;
  std::size_t limit_;
  std::size_t pos_ = 0;
};

/// ceil(log2(n)) for n >= 1 (0 for n == 1): bits needed to write one index in [0, n).
unsigned bits_for_index(std::uint64_t n);

}  // namespace dcopt

#include "dcopt/core/bit_io.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

#include "dcopt/core/error.hpp"

namespace dcopt {

void BitWriter::flush_acc() {
  while (acc_bits_ >= 8) {
    bytes_.push_back(static_cast<std::uint8_t>(acc_));
    acc_ >>= 8;
    acc_bits_ -= 8;
  }
}

void BitWriter::write(std::uint64_t value, unsigned nbits) {
  if (nbits == 0) return;
  if (nbits < 64) value &= (std::uint64_t{1} << nbits) - 1;
  bit_count_ += nbits;
  // acc_bits_ < 64 here. The accumulator is stored a whole word at a time when it fills up
  // (one 8-byte append instead of eight), and the bits of `value` that did not fit start it
  // again; flush_acc() stores what is left in whole bytes where byte alignment matters.
  acc_ |= value << acc_bits_;
  const unsigned total = acc_bits_ + nbits;
  if (total < 64) {
    acc_bits_ = total;
    return;
  }
  std::uint8_t word[8];
  for (unsigned i = 0; i < 8; ++i) word[i] = static_cast<std::uint8_t>(acc_ >> (8 * i));
  bytes_.insert(bytes_.end(), word, word + 8);
  const unsigned spill = total - 64;  // bits of value left over, < nbits
  acc_ = spill == 0 ? 0 : value >> (nbits - spill);
  acc_bits_ = spill;
}

void BitWriter::write_varint(std::uint64_t value) {
  do {
    std::uint64_t group = value & 0x7F;
    value >>= 7;
    write(group | (value != 0 ? 0x80 : 0), 8);
  } while (value != 0);
}

void BitWriter::write_elias_gamma(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("Elias gamma code needs n >= 1");
  unsigned len = 63 - static_cast<unsigned>(std::countl_zero(n));  // floor(log2 n)
  write(0, len);
  // the value itself, most significant bit first
  for (int b = static_cast<int>(len); b >= 0; --b) write_bit((n >> b) & 1);
}

void BitWriter::write_elias_omega(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("Elias omega code needs n >= 1");
  // Groups are produced back to front; collect then emit.
  std::uint64_t groups[8];
  unsigned lens[8];
  int count = 0;
  while (n > 1) {
    unsigned len = 64 - static_cast<unsigned>(std::countl_zero(n));
    groups[count] = n;
    lens[count] = len;
    ++count;
    n = len - 1;
  }
  for (int g = count - 1; g >= 0; --g) {
    for (int b = static_cast<int>(lens[g]) - 1; b >= 0; --b) write_bit((groups[g] >> b) & 1);
  }
  write_bit(false);
}

void BitWriter::write_f32(float v) { write(std::bit_cast<std::uint32_t>(v), 32); }
void BitWriter::write_f64(double v) { write(std::bit_cast<std::uint64_t>(v), 64); }

void BitWriter::write_words(std::span<const std::uint64_t> words, std::size_t nbits) {
  if (nbits > words.size() * 64)
    throw std::invalid_argument("BitWriter::write_words: nbits too large");
  std::size_t full_words = nbits / 64;
  unsigned tail = static_cast<unsigned>(nbits % 64);
  flush_acc();
  if constexpr (std::endian::native == std::endian::little) {
    if (acc_bits_ == 0) {
      // Byte-aligned: the words' memory image is exactly the byte stream.
      std::size_t nbytes = nbits / 8;
      std::size_t old = bytes_.size();
      bytes_.resize(old + nbytes);
      if (nbytes > 0) std::memcpy(bytes_.data() + old, words.data(), nbytes);
      bit_count_ += nbytes * 8;
      unsigned rest = static_cast<unsigned>(nbits % 8);
      if (rest > 0) {
        std::uint8_t last;
        std::memcpy(&last, reinterpret_cast<const std::uint8_t*>(words.data()) + nbytes, 1);
        write(last, rest);
      }
      return;
    }
  }
  for (std::size_t i = 0; i < full_words; ++i) write(words[i], 64);
  if (tail > 0) write(words[full_words], tail);
}

std::span<std::uint8_t> BitWriter::append_bytes(std::size_t nbytes) {
  flush_acc();
  if (acc_bits_ != 0) throw std::logic_error("BitWriter::append_bytes: not at a byte boundary");
  std::size_t old = bytes_.size();
  bytes_.resize(old + nbytes);
  bit_count_ += 8 * nbytes;
  return std::span<std::uint8_t>(bytes_).subspan(old);
}

void BitWriter::align_byte() {
  unsigned pad = static_cast<unsigned>((8 - bit_count_ % 8) % 8);
  write(0, pad);
}

std::vector<std::uint8_t> BitWriter::take() {
  flush_acc();
  if (acc_bits_ > 0) {
    bytes_.push_back(static_cast<std::uint8_t>(acc_));
    acc_ = 0;
    acc_bits_ = 0;
  }
  bit_count_ = 0;
  std::vector<std::uint8_t> out = std::move(bytes_);
  bytes_.clear();  // a moved-from vector is valid but unspecified; make it empty
  return out;
}

BitReader::BitReader(std::span<const std::uint8_t> bytes)
    : bytes_(bytes), limit_(bytes.size() * 8) {}

BitReader::BitReader(std::span<const std::uint8_t> bytes, std::size_t bit_limit)
    : bytes_(bytes), limit_(bit_limit < bytes.size() * 8 ? bit_limit : bytes.size() * 8) {}

void BitReader::fail_truncated(unsigned nbits, std::string_view what) const {
  throw DecodeError("truncated message: field '" + std::string(what) + "' needs " +
                    std::to_string(nbits) + " bits at bit offset " + std::to_string(pos_) +
                    " but only " + std::to_string(limit_ - pos_) + " remain");
}

std::uint64_t BitReader::read(unsigned nbits, std::string_view what) {
  if (nbits == 0) return 0;
  if (nbits > 64) throw std::invalid_argument("BitReader::read: nbits > 64");
  if (nbits > limit_ - pos_) fail_truncated(nbits, what);
  const std::size_t byte = pos_ >> 3;
  const unsigned off = static_cast<unsigned>(pos_ & 7);
  if (nbits + off <= 64 && byte + 8 <= bytes_.size()) {
    // One 8-byte load covers the field (the bytes after it are in the buffer, read but unused).
    std::uint64_t word = 0;
    for (unsigned i = 0; i < 8; ++i) word |= std::uint64_t{bytes_[byte + i]} << (8 * i);
    word >>= off;
    pos_ += nbits;
    return nbits == 64 ? word : word & ((std::uint64_t{1} << nbits) - 1);
  }
  std::uint64_t out = 0;
  unsigned got = 0;
  while (got < nbits) {
    std::size_t b = pos_ >> 3;
    unsigned o = static_cast<unsigned>(pos_ & 7);
    unsigned take = 8 - o;
    if (take > nbits - got) take = nbits - got;
    std::uint64_t chunk = (bytes_[b] >> o) & ((1u << take) - 1);
    out |= chunk << got;
    got += take;
    pos_ += take;
  }
  return out;
}

std::uint64_t BitReader::read_varint(std::string_view what) {
  std::uint64_t value = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    std::uint64_t group = read(8, what);
    std::uint64_t payload = group & 0x7F;
    if (shift == 63 && payload > 1) break;  // would overflow 64 bits
    value |= payload << shift;
    if ((group & 0x80) == 0) return value;
  }
  throw DecodeError("malformed varint in field '" + std::string(what) + "' (longer than 64 bits)");
}

std::uint64_t BitReader::read_elias_gamma(std::string_view what) {
  unsigned zeros = 0;
  while (!read_bit(what)) {
    if (++zeros > 63) {
      throw DecodeError("malformed Elias gamma code in field '" + std::string(what) +
                        "' (more than 63 leading zeros)");
    }
  }
  std::uint64_t n = 1;
  for (unsigned i = 0; i < zeros; ++i) n = (n << 1) | (read_bit(what) ? 1 : 0);
  return n;
}

std::uint64_t BitReader::read_elias_omega(std::string_view what) {
  std::uint64_t n = 1;
  while (read_bit(what)) {
    // the group has n+1 bits, the first of which (a 1) was just read
    if (n >= 64) {
      throw DecodeError("malformed Elias omega code in field '" + std::string(what) +
                        "' (value exceeds 64 bits)");
    }
    std::uint64_t v = 1;
    for (std::uint64_t i = 0; i < n; ++i) v = (v << 1) | (read_bit(what) ? 1 : 0);
    n = v;
  }
  return n;
}

float BitReader::read_f32(std::string_view what) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(read(32, what)));
}

double BitReader::read_f64(std::string_view what) { return std::bit_cast<double>(read(64, what)); }

void BitReader::read_words(std::span<std::uint64_t> words, std::size_t nbits,
                           std::string_view what) {
  if (nbits > words.size() * 64)
    throw std::invalid_argument("BitReader::read_words: nbits too large");
  if (nbits > limit_ - pos_) {
    throw DecodeError("truncated message: field '" + std::string(what) + "' needs " +
                      std::to_string(nbits) + " bits at bit offset " + std::to_string(pos_) +
                      " but only " + std::to_string(limit_ - pos_) + " remain");
  }
  std::size_t full_words = nbits / 64;
  unsigned tail = static_cast<unsigned>(nbits % 64);
  if constexpr (std::endian::native == std::endian::little) {
    if (pos_ % 8 == 0) {
      std::size_t nbytes = (nbits + 7) / 8;  // within bytes_: nbits <= limit_ - pos_
      std::fill(words.begin(), words.end(), std::uint64_t{0});
      if (nbytes > 0) std::memcpy(words.data(), bytes_.data() + pos_ / 8, nbytes);
      if (tail > 0) words[full_words] &= (std::uint64_t{1} << tail) - 1;  // drop following bits
      pos_ += nbits;
      return;
    }
  }
  for (std::size_t i = 0; i < full_words; ++i) words[i] = read(64, what);
  std::size_t next = full_words;
  if (tail > 0) words[next++] = read(tail, what);
  for (; next < words.size(); ++next) words[next] = 0;
}

void BitReader::align_byte(std::string_view what) {
  unsigned pad = static_cast<unsigned>((8 - pos_ % 8) % 8);
  if (read(pad, what) != 0) {
    throw DecodeError("malformed message: non-zero padding in field '" + std::string(what) + "'");
  }
}

void BitReader::expect_end(std::string_view what) {
  std::size_t left = limit_ - pos_;
  if (left >= 8) {
    throw DecodeError("malformed message: " + std::to_string(left) +
                      " unexpected trailing bits after " + std::string(what));
  }
  if (left > 0 && read(static_cast<unsigned>(left), what) != 0) {
    throw DecodeError("malformed message: non-zero padding after " + std::string(what));
  }
}

unsigned bits_for_index(std::uint64_t n) {
  if (n <= 1) return 0;
  return 64 - static_cast<unsigned>(std::countl_zero(n - 1));
}

}  // namespace dcopt

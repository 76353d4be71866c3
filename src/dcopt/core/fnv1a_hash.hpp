#pragma once
// FNV-1a, 64 bits: a fast, dependency-free fingerprint of bytes (an experiment's identity, a
// checkpoint's integrity check against truncation and bit rot). Not cryptographic: it detects
// accidents, not tampering.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace dcopt {

inline constexpr std::uint64_t kFnv1aOffsetBasis = 0xcbf29ce484222325ULL;

/// Hash of `bytes`; pass a previous result as `h` to hash a concatenation piecewise.
inline std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes,
                             std::uint64_t h = kFnv1aOffsetBasis) {
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  return h;
}

inline std::uint64_t fnv1a64(std::string_view text, std::uint64_t h = kFnv1aOffsetBasis) {
  return fnv1a64(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                               text.size()),
                 h);
}

/// 16 lowercase hex digits, most significant first.
inline std::string hex64(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kDigits[v & 0xF];
  return s;
}

}  // namespace dcopt

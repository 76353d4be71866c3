#pragma once
// Shared pieces of the fuzz targets (fuzz/*_fuzz.cpp): a reader that takes typed values off the
// front of the fuzzer's bytes, and the check that every failure is the error type the API
// promises. A violated promise calls abort() so that libFuzzer records the input as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string_view>
#include <typeinfo>

namespace dcopt::fuzz {

/// Takes values off the front of the input; past the end, every value is 0.
class InputReader {
 public:
  InputReader(const std::uint8_t* data, std::size_t size) : bytes_(data, size) {}

  std::uint8_t byte() {
    if (pos_ >= bytes_.size()) return 0;
    return bytes_[pos_++];
  }
  std::uint16_t u16() {
    const std::uint16_t lo = byte();
    return static_cast<std::uint16_t>(lo | (std::uint16_t{byte()} << 8));
  }
  /// The bytes not taken yet.
  std::span<const std::uint8_t> rest() const {
    return pos_ >= bytes_.size() ? std::span<const std::uint8_t>() : bytes_.subspan(pos_);
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

/// Reports a broken promise and aborts (libFuzzer saves the input).
[[noreturn]] inline void broken(std::string_view what) {
  std::fprintf(stderr, "fuzz: broken promise: %.*s\n", static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  std::abort();
}

/// Runs fn(); an exception of type Allowed (or derived from it) is the expected way to reject
/// bad input and returns false; any other exception is a broken promise. true: fn() returned.
template <class Allowed, class Fn>
bool only_throws(std::string_view target, Fn&& fn) {
  try {
    fn();
    return true;
  } catch (const Allowed&) {
    return false;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: %.*s threw %s instead of the promised %s: %s\n",
                 static_cast<int>(target.size()), target.data(), typeid(e).name(),
                 typeid(Allowed).name(), e.what());
    std::fflush(stderr);
    std::abort();
  } catch (...) {
    broken("a non-std exception escaped");
  }
}

}  // namespace dcopt::fuzz

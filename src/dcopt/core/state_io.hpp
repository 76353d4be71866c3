#pragma once
// State as a value: the stateful pieces of a run (estimators, update rules, stopping counters)
// write themselves into a StateWriter and read themselves back from a StateReader, so a run can
// be checkpointed and resumed bit for bit.
//
// Format: a sequence of named fields, each [name length: varint][name][type: 1 byte]
// [count: varint][count elements, little-endian]. The reader is strict: it expects the fields in
// the order they were written, with the same names, types and counts, and treats the bytes as
// untrusted (a truncated, reordered or resized field is a DataError naming the field). Floating-
// point values are stored as their exact bit patterns.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dcopt {

class StateWriter {
 public:
  void u64(std::string_view name, std::uint64_t v);
  void f64(std::string_view name, double v);
  void boolean(std::string_view name, bool v) { u64(name, v ? 1 : 0); }
  void f64s(std::string_view name, std::span<const double> v);
  void f32s(std::string_view name, std::span<const float> v);
  void u32s(std::string_view name, std::span<const std::uint32_t> v);
  void text(std::string_view name, std::string_view v);

  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  void head(std::string_view name, std::uint8_t type, std::uint64_t count);
  void raw(const void* p, std::size_t n);
  std::vector<std::uint8_t> bytes_;
};

class StateReader {
 public:
  /// `what` names the source in error messages (e.g. the checkpoint file).
  StateReader(std::span<const std::uint8_t> bytes, std::string what);

  std::uint64_t u64(std::string_view name);
  double f64(std::string_view name);
  bool boolean(std::string_view name);
  /// Reads exactly out.size() values (a different stored count is a DataError).
  void f64s(std::string_view name, std::span<double> out);
  void f32s(std::string_view name, std::span<float> out);
  /// Reads a list of any length (at most `max_count` entries).
  void u32s(std::string_view name, std::vector<std::uint32_t>& out, std::size_t max_count);
  std::string text(std::string_view name, std::size_t max_size = 1 << 20);

  /// Every byte consumed (call at the end; trailing bytes are a DataError).
  void expect_end();

 private:
  std::uint64_t head(std::string_view name, std::uint8_t type);
  void raw(void* p, std::size_t n, std::string_view name);
  std::uint64_t varint(std::string_view name);
  [[noreturn]] void fail(std::string_view name, const std::string& why) const;
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::string what_;
};

/// Templates for code written once over float and double.
inline void write_values(StateWriter& w, std::string_view name, std::span<const double> v) {
  w.f64s(name, v);
}
inline void write_values(StateWriter& w, std::string_view name, std::span<const float> v) {
  w.f32s(name, v);
}
inline void read_values(StateReader& r, std::string_view name, std::span<double> v) {
  r.f64s(name, v);
}
inline void read_values(StateReader& r, std::string_view name, std::span<float> v) {
  r.f32s(name, v);
}

}  // namespace dcopt

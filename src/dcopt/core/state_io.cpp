#include "dcopt/core/state_io.hpp"

#include <bit>
#include <cstring>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {
enum : std::uint8_t { kU64 = 1, kF64 = 2, kF64s = 3, kF32s = 4, kU32s = 5, kText = 6 };
static_assert(std::endian::native == std::endian::little, "state files are little-endian");

const char* type_name(std::uint8_t t) {
  switch (t) {
    case kU64: return "integer";
    case kF64: return "number";
    case kF64s: return "fp64 vector";
    case kF32s: return "fp32 vector";
    case kU32s: return "index list";
    case kText: return "text";
    default: return "unknown";
  }
}
}  // namespace

void StateWriter::raw(const void* p, std::size_t n) {
  if (n == 0) return;  // an empty vector's data() may be null
  const auto* b = static_cast<const std::uint8_t*>(p);
  bytes_.insert(bytes_.end(), b, b + n);
}

void StateWriter::head(std::string_view name, std::uint8_t type, std::uint64_t count) {
  auto varint = [&](std::uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<std::uint8_t>(v));
  };
  varint(name.size());
  raw(name.data(), name.size());
  bytes_.push_back(type);
  varint(count);
}

void StateWriter::u64(std::string_view name, std::uint64_t v) {
  head(name, kU64, 1);
  raw(&v, sizeof v);
}
void StateWriter::f64(std::string_view name, double v) {
  head(name, kF64, 1);
  raw(&v, sizeof v);
}
void StateWriter::f64s(std::string_view name, std::span<const double> v) {
  head(name, kF64s, v.size());
  raw(v.data(), v.size_bytes());
}
void StateWriter::f32s(std::string_view name, std::span<const float> v) {
  head(name, kF32s, v.size());
  raw(v.data(), v.size_bytes());
}
void StateWriter::u32s(std::string_view name, std::span<const std::uint32_t> v) {
  head(name, kU32s, v.size());
  raw(v.data(), v.size_bytes());
}
void StateWriter::text(std::string_view name, std::string_view v) {
  head(name, kText, v.size());
  raw(v.data(), v.size());
}

StateReader::StateReader(std::span<const std::uint8_t> bytes, std::string what)
    : bytes_(bytes), what_(std::move(what)) {}

void StateReader::fail(std::string_view name, const std::string& why) const {
  throw DataError(what_ + ": state field '" + std::string(name) + "' at byte " +
                  std::to_string(pos_) + ": " + why);
}

void StateReader::raw(void* p, std::size_t n, std::string_view name) {
  if (n > bytes_.size() - pos_) fail(name, "truncated");
  if (n == 0) return;  // an empty vector's data() may be null: memcpy must not see it
  std::memcpy(p, bytes_.data() + pos_, n);
  pos_ += n;
}

std::uint64_t StateReader::varint(std::string_view name) {
  std::uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (pos_ >= bytes_.size()) fail(name, "truncated");
    const std::uint8_t b = bytes_[pos_++];
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      // The writer never ends a length with a zero byte after the first: such a length has a
      // second spelling, and a strict reader accepts exactly what the writer writes.
      if (b == 0 && shift > 0) fail(name, "non-canonical length (a redundant trailing zero byte)");
      return v;
    }
  }
  fail(name, "over-long length");
}

std::uint64_t StateReader::head(std::string_view name, std::uint8_t type) {
  const std::uint64_t len = varint(name);
  if (len > bytes_.size() - pos_) fail(name, "truncated");
  const std::string_view stored(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
  if (stored != name) {
    fail(name, "found field '" + std::string(stored.substr(0, 64)) +
                   "' instead (the state was written by another method or version)");
  }
  pos_ += len;
  std::uint8_t t = 0;
  raw(&t, 1, name);
  if (t != type) {
    fail(name, std::string("stored as ") + type_name(t) + ", expected " + type_name(type));
  }
  return varint(name);
}

std::uint64_t StateReader::u64(std::string_view name) {
  if (head(name, kU64) != 1) fail(name, "expected one value");
  std::uint64_t v = 0;
  raw(&v, sizeof v, name);
  return v;
}

double StateReader::f64(std::string_view name) {
  if (head(name, kF64) != 1) fail(name, "expected one value");
  double v = 0;
  raw(&v, sizeof v, name);
  return v;
}

bool StateReader::boolean(std::string_view name) {
  const std::uint64_t v = u64(name);
  if (v > 1) fail(name, "not a boolean");
  return v == 1;
}

void StateReader::f64s(std::string_view name, std::span<double> out) {
  const std::uint64_t n = head(name, kF64s);
  if (n != out.size()) {
    fail(name, "holds " + std::to_string(n) + " values, expected " + std::to_string(out.size()));
  }
  raw(out.data(), out.size_bytes(), name);
}

void StateReader::f32s(std::string_view name, std::span<float> out) {
  const std::uint64_t n = head(name, kF32s);
  if (n != out.size()) {
    fail(name, "holds " + std::to_string(n) + " values, expected " + std::to_string(out.size()));
  }
  raw(out.data(), out.size_bytes(), name);
}

void StateReader::u32s(std::string_view name, std::vector<std::uint32_t>& out,
                       std::size_t max_count) {
  const std::uint64_t n = head(name, kU32s);
  if (n > max_count || n * 4 > bytes_.size() - pos_) {
    fail(name,
         "holds " + std::to_string(n) + " entries, at most " + std::to_string(max_count) + " fit");
  }
  out.resize(n);
  raw(out.data(), n * 4, name);
}

std::string StateReader::text(std::string_view name, std::size_t max_size) {
  const std::uint64_t n = head(name, kText);
  if (n > max_size || n > bytes_.size() - pos_) fail(name, "text too long or truncated");
  std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
  pos_ += n;
  return s;
}

void StateReader::expect_end() {
  if (pos_ != bytes_.size()) {
    throw DataError(what_ + ": " + std::to_string(bytes_.size() - pos_) +
                    " unexpected bytes after the last state field");
  }
}

}  // namespace dcopt

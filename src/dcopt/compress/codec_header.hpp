#pragma once
// The header every message starts with, and value (de)serialization at the chosen precision.
//   [codec id: 8 bits][d: varint]  then codec-specific fields.
// read_header() validates both against what the receiver expects.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dcopt/compress/codec_spec.hpp"
#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/bit_io.hpp"

namespace dcopt {

/// Precision of values on the wire (fp32 default, fp64 selectable with precision=64).
enum class Precision : std::uint8_t { fp32 = 32, fp64 = 64 };

/// Reads the "precision" parameter (32 or 64, default 32).
Precision parse_precision(const CodecSpec& spec);
inline unsigned precision_bits(Precision p) { return static_cast<unsigned>(p); }
/// The CodecParam describing "precision", for catalogs.
CodecParam precision_param();

std::string codec_name(CodecId id);

/// Writes the header; returns its size in bits.
std::uint64_t write_header(BitWriter& w, CodecId id, std::size_t d);
/// The size in bits of the header write_header() writes for dimension d.
std::uint64_t codec_header_bits(std::size_t d);
/// Reads and validates the header: the codec id must be `expected` and the dimension `d`.
void read_header(BitReader& r, CodecId expected, std::size_t d);

inline void write_value(BitWriter& w, double v, Precision p) {
  if (p == Precision::fp32) {
    w.write_f32(static_cast<float>(v));
  } else {
    w.write_f64(v);
  }
}
inline double read_value(BitReader& r, Precision p, const char* what) {
  return p == Precision::fp32 ? static_cast<double>(r.read_f32(what)) : r.read_f64(what);
}
/// The value the receiver will see for v (rounding to fp32 if that is the wire precision).
inline double wire_round(double v, Precision p) {
  return p == Precision::fp32 ? static_cast<double>(static_cast<float>(v)) : v;
}

/// Throws DecodeError unless at least `bits` bits remain (check before touching the output, so
/// that a truncated message leaves the accumulator unchanged).
void require_bits(const BitReader& r, std::uint64_t bits, const char* what);

/// Finishes a message into `out` (overwriting it): the writer's bytes (with their storage, so a
/// writer built from out's previous buffer hands it back), the exact bit count, header bits.
void finish_message(BitWriter& w, std::uint64_t header_bits, Message& out);

}  // namespace dcopt

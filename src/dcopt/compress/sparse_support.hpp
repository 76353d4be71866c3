#pragma once
// The wire format of a k-sparse vector shared by randk (random support) and topk (largest
// magnitudes), both of which send their support:
//   [header][mode: 1 bit][support][k values at the wire precision, in index order]
// mode 0: k indices, ascending, ceil(log2 d) bits each            (k*ceil(log2 d) bits)
// mode 1: a d-bit mask, bit j set iff j is in the support          (d bits)
// The encoder picks the smaller (the list on a tie). The receiver knows k from the codec's
// sparsity level and d from its accumulator, validates either mode (indices in range, strictly
// increasing, exactly k of them) and checks the exact message length before touching `acc`.
// All sizes below are in bits.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/compress/codec_header.hpp"
#include "dcopt/core/bit_io.hpp"

namespace dcopt {

/// Bits of the support field for k indices out of d: 1 + min(k*ceil(log2 d), d).
std::uint64_t support_bits(std::size_t k, std::size_t d);

/// Writes the support; `indices` ascending, distinct, all < d.
void write_support(BitWriter& w, std::span<const std::uint32_t> indices, std::size_t d);

/// Reads and validates a support of exactly k indices out of d into `out` (ascending).
/// DecodeError on any violation.
void read_support(BitReader& r, std::size_t k, std::size_t d, std::vector<std::uint32_t>& out);

/// Encodes x restricted to `indices` (ascending) into `out` (overwritten, its storage reused),
/// each value, read as double, multiplied by `value_scale` (d/k for RandK's unbiasedness, 1 for
/// TopK) and rounded to the wire precision. T is double or float (same bytes for the same
/// values).
template <class T>
void encode_sparse(CodecId id, std::span<const T> x, std::span<const std::uint32_t> indices,
                   double value_scale, Precision p, Message& out);

/// The same message from the values already gathered: values[i] = x[indices[i]] of a
/// d-dimensional x (the same bytes as encode_sparse).
template <class T>
void encode_sparse_values(CodecId id, std::size_t d, std::span<const std::uint32_t> indices,
                          std::span<const T> values, double value_scale, Precision p, Message& out);

/// acc[j] += scale * value_j over the message's k entries (each update in double, stored as T).
/// Everything is validated (header, support, exact length, padding) before `acc` is written.
/// Uses per-thread scratch for the support (no allocation in steady state).
template <class T>
void decode_sparse_add(CodecId id, std::span<const std::uint8_t> bytes, std::size_t k, Precision p,
                       double scale, std::span<T> acc);

}  // namespace dcopt

#include "dcopt/compress/sparse_support.hpp"

#include <algorithm>
#include <bit>
#include <string>
#include <utility>

#include "dcopt/compress/codec_of.hpp"
#include "dcopt/compress/exact_payload.hpp"
#include "dcopt/compress/thread_scratch.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

bool use_mask(std::size_t k, std::size_t d) {
  return static_cast<std::uint64_t>(k) * bits_for_index(d) > d;
}

}  // namespace

std::uint64_t support_bits(std::size_t k, std::size_t d) {
  const std::uint64_t list = static_cast<std::uint64_t>(k) * bits_for_index(d);
  return 1 + std::min<std::uint64_t>(list, d);
}

void write_support(BitWriter& w, std::span<const std::uint32_t> indices, std::size_t d) {
  if (!use_mask(indices.size(), d)) {
    w.write_bit(false);
    const unsigned b = bits_for_index(d);
    for (std::uint32_t j : indices) w.write(j, b);
    return;
  }
  w.write_bit(true);
  // 64 mask bits per write: the mask is only chosen when k > d/ceil(log2 d), so this O(d) pass
  // is O(k log d) as well.
  auto it = indices.begin();
  for (std::size_t base = 0; base < d; base += 64) {
    const std::size_t end = std::min(d, base + 64);
    std::uint64_t word = 0;
    for (; it != indices.end() && *it < end; ++it) word |= std::uint64_t{1} << (*it - base);
    w.write(word, static_cast<unsigned>(end - base));
  }
}

void read_support(BitReader& r, std::size_t k, std::size_t d, std::vector<std::uint32_t>& out) {
  out.clear();
  const bool mask = r.read_bit("support mode");
  if (!mask) {
    const unsigned b = bits_for_index(d);
    require_bits(r, static_cast<std::uint64_t>(k) * b, "index list");
    out.reserve(k);
    for (std::size_t i = 0; i < k; ++i) {
      const std::uint64_t j = r.read(b, "index");
      if (j >= d) {
        throw DecodeError("malformed message: index " + std::to_string(j) +
                          " out of range for dimension " + std::to_string(d));
      }
      if (!out.empty() && j <= out.back()) {
        throw DecodeError("malformed message: indices not strictly increasing (" +
                          std::to_string(out.back()) + " then " + std::to_string(j) + ")");
      }
      out.push_back(static_cast<std::uint32_t>(j));
    }
    return;
  }
  require_bits(r, d, "support mask");
  out.reserve(k);
  for (std::size_t base = 0; base < d; base += 64) {
    const unsigned n = static_cast<unsigned>(std::min<std::size_t>(64, d - base));
    std::uint64_t word = r.read(n, "support mask");
    if (out.size() + static_cast<std::size_t>(std::popcount(word)) > k) {
      throw DecodeError("malformed message: support mask has more than k=" + std::to_string(k) +
                        " bits set");
    }
    while (word != 0) {
      out.push_back(static_cast<std::uint32_t>(base + std::countr_zero(word)));
      word &= word - 1;
    }
  }
  if (out.size() != k) {
    throw DecodeError("malformed message: support mask has " + std::to_string(out.size()) +
                      " bits set, expected k=" + std::to_string(k));
  }
}

namespace {
struct SparseDecodeScratch {
  std::vector<std::uint32_t> indices;
};
}  // namespace

namespace {

// The sparse message of k = |indices| values, value(i) the i-th (as T); both encoders below.
template <class Value>
void write_sparse(CodecId id, std::size_t d, std::span<const std::uint32_t> indices, Value value,
                  double value_scale, Precision p, Message& out) {
  BitWriter w(std::move(out.bytes));
  w.reserve_bits(80 + support_bits(indices.size(), d) + indices.size() * precision_bits(p));
  const std::uint64_t header = write_header(w, id, d);
  write_support(w, indices, d);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    write_value(w, value_scale * static_cast<double>(value(i)), p);
  }
  finish_message(w, header, out);
}

}  // namespace

template <class T>
void encode_sparse(CodecId id, std::span<const T> x, std::span<const std::uint32_t> indices,
                   double value_scale, Precision p, Message& out) {
  write_sparse(
      id, x.size(), indices, [&](std::size_t i) { return x[indices[i]]; }, value_scale, p, out);
}

template <class T>
void encode_sparse_values(CodecId id, std::size_t d, std::span<const std::uint32_t> indices,
                          std::span<const T> values, double value_scale, Precision p,
                          Message& out) {
  write_sparse(
      id, d, indices, [&](std::size_t i) { return values[i]; }, value_scale, p, out);
}

template <class T>
void decode_sparse_add(CodecId id, std::span<const std::uint8_t> bytes, std::size_t k, Precision p,
                       double scale, std::span<T> acc) {
  BitReader r(bytes);
  read_header(r, id, acc.size());
  std::vector<std::uint32_t>& indices = thread_scratch<SparseDecodeScratch>().indices;
  read_support(r, k, acc.size(), indices);
  require_exact_payload(r, bytes, static_cast<std::uint64_t>(k) * precision_bits(p), "values");
  for (std::uint32_t j : indices) accumulate(acc[j], scale * read_value(r, p, "value"));
  r.expect_end("values");
}

template void encode_sparse<double>(CodecId, std::span<const double>,
                                    std::span<const std::uint32_t>, double, Precision, Message&);
template void encode_sparse<float>(CodecId, std::span<const float>, std::span<const std::uint32_t>,
                                   double, Precision, Message&);
template void encode_sparse_values<double>(CodecId, std::size_t, std::span<const std::uint32_t>,
                                           std::span<const double>, double, Precision, Message&);
template void encode_sparse_values<float>(CodecId, std::size_t, std::span<const std::uint32_t>,
                                          std::span<const float>, double, Precision, Message&);
template void decode_sparse_add<double>(CodecId, std::span<const std::uint8_t>, std::size_t,
                                        Precision, double, std::span<double>);
template void decode_sparse_add<float>(CodecId, std::span<const std::uint8_t>, std::size_t,
                                       Precision, double, std::span<float>);

}  // namespace dcopt

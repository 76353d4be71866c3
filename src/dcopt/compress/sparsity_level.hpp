#pragma once
// How many coordinates a sparsifier (randk, randk_shared, topk) keeps: a fixed count `k` or a
// fraction `ratio` of the dimension. The level is resolved against the actual dimension d of
// each vector, by the sender at encode time and by the receiver (d = acc.size()) at decode time,
// so both ends agree on k without sending it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dcopt/compress/codec_spec.hpp"
#include "dcopt/compress/compressor.hpp"

namespace dcopt {

class SparsityLevel {
 public:
  /// Reads exactly one of "k" (integer >= 1) and "ratio" (0 < ratio <= 1). Neither, both, or an
  /// out-of-range value: InvalidArgument naming the key and the valid range.
  static SparsityLevel parse(const CodecSpec& spec);

  /// Number of kept coordinates at dimension d: k, or ceil(ratio*d) but at least 1 (0 when
  /// d = 0). A fixed k > d, or d >= 2^32 (indices are 32-bit), throws InvalidArgument naming
  /// `codec`, k and d.
  std::size_t resolve(std::size_t d, std::string_view codec) const;

  /// "k=10" or "ratio=0.1" (shortest decimal that round-trips), for canonical specs.
  std::string spec_text() const;

  /// The CodecParams "k" and "ratio" for catalogs.
  static std::vector<CodecParam> params();

 private:
  bool is_ratio_ = false;
  std::uint64_t k_ = 0;
  double ratio_ = 0.0;
};

/// Theory constants of unbiased random sparsification keeping k of d coordinates scaled by d/k
/// (randk and randk_shared): omega = d/k - 1, density k; the d/k scaling expands, so no
/// contraction bound is declared unless k = d (the identity).
CompressorProperties random_sparsifier_properties(std::size_t k, std::size_t d);

}  // namespace dcopt

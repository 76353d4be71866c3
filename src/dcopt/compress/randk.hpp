#pragma once
// RandK (ALGORITHMS.md §1.3) with its support on the wire: k coordinates drawn uniformly without
// replacement, each sent as (d/k) x_j, so E[Q(x)] = x and E||Q(x)-x||^2 = (d/k - 1)||x||^2.
// Params: exactly one of k / ratio (see SparsityLevel), precision (32 or 64).
// Bits: header + 1 + min(k*ceil(log2 d), d) + precision*k (format: sparse_support.hpp).
// Randomness: the support is one Rng::sample_without_replacement(k, d) call on the encode stream;
// the receiver does not need the stream (it reads the support from the message).
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo randk_codec_info();

}  // namespace dcopt

#pragma once
// TopK (ALGORITHMS.md §1.4): keep the k entries of largest |x_j|, zero the rest. Ties are broken
// towards the lower index, so the output is a deterministic function of x. Biased and
// contractive: ||C(x)-x||^2 <= (1 - k/d)||x||^2 for every x, i.e. delta = d/k.
// Params: exactly one of k / ratio (see SparsityLevel), precision (32 or 64).
// Bits: header + 1 + min(k*ceil(log2 d), d) + precision*k (format: sparse_support.hpp).
// Cost: two passes over x (a radix histogram of |x| then a collection pass) plus O(m) selection
// among the m entries that share the k-th largest histogram bucket; never a full sort.
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo topk_codec_info();

}  // namespace dcopt

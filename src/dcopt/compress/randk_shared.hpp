#pragma once
// RandK with a shared support (ALGORITHMS.md §1.3, "shared-seed trick"): the same operator as
// randk, Q(x)_j = (d/k) x_j on k uniformly random coordinates, but only the k values travel.
// Params: exactly one of k / ratio (see SparsityLevel), precision (32 or 64).
// Bits: header + precision*k, nothing else.
//
// Ordering rule (what makes the receiver's support equal the sender's): encode() makes exactly
// one draw from its stream, and makes it first: rng.sample_without_replacement(k, d, S). The
// receiver's decode_add() gets a fresh copy of that stream (Compressor contract: same seed,
// purpose, sender and round), resolves the same k from its own spec and d = acc.size(), and makes
// the identical call. Any change to what encode() draws, or in which order, must be mirrored in
// decode_add(), and a stream must not be consumed by anything else before encode() sees it.
// Different workers (or rounds) name different streams, hence independent supports.
//
// Cost: O(k) expected to sample and sort the support plus O(k) to read and write values; nothing
// is O(d) except when k is a large fraction of d.
#include "dcopt/compress/registry.hpp"

namespace dcopt {

CodecInfo randk_shared_codec_info();

}  // namespace dcopt

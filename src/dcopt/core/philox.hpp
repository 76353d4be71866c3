#pragma once
// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): the
// block function under Rng (rng.hpp). A block is the 128-bit counter (block, c2, c3), block the
// 64-bit low half, encrypted under the 64-bit key into four 32-bit words.
//
// philox_words generates many consecutive blocks at once: 32 counters in flight in AVX-512
// registers, or 16 in AVX2 registers, when the CPU has them (checked at run time; the build stays
// baseline x86-64), else one block at a time. Every path does the same integer arithmetic lane
// by lane, so the words are the same on every machine.
#include <cstddef>
#include <cstdint>

namespace dcopt {

/// The four words of block (block, c2, c3) under key.
void philox_block(const std::uint32_t key[2], std::uint64_t block, std::uint32_t c2,
                  std::uint32_t c3, std::uint32_t out[4]);

/// Which code generates the blocks: the fastest the CPU has, or one named path (for the tests
/// that pin every path to philox_block).
enum class PhiloxPath { best, scalar, avx2, avx512 };

/// Whether `path` can run on this CPU (best and scalar always can).
bool philox_path_available(PhiloxPath path);

/// The first `words` words of the blocks first, first + 1, ... (philox_block's words, block
/// after block) into out; the last block may be cut. A named path must be available
/// (std::invalid_argument otherwise).
void philox_words(const std::uint32_t key[2], std::uint64_t first, std::size_t words,
                  std::uint32_t c2, std::uint32_t c3, std::uint32_t* out,
                  PhiloxPath path = PhiloxPath::best);

}  // namespace dcopt

#pragma once
// The AVX2 kernel of natural dithering's stochastic rounding (a `fast` of draw_in_chunks,
// quant_support.hpp) for m entries, m a multiple of 8: entry j of p, scaled by 1 / norm, drawing
// words[j], gives codes[j] (sign | index << 1), need[j] (1 if it draws a word, 0 if it rounds
// exactly) and the flags kChunkIrregular (a tie with its word: left to the per-entry loop) and
// kChunkSkippedDraws. The same IEEE operations as the portable kernel of natural_dithering.cpp
// (|v| / norm divided, the level read from the quotient's exponent and mantissa, the lower
// case's fraction scaled by powers of two), 4 double lanes at a time with every mask kept as a
// 64-bit lane, and two groups of 4 codes narrowed into one 8-lane store (GCC's version of the
// portable loop spent most of its time narrowing 64-bit masks to 32-bit lanes one by one).
//
// lowest is the biased exponent of the lowest level 2^(1-s), below = 2^(s-1). Only call these
// when cpu_has_avx2() (quant_support.hpp) (the CPU has AVX2; checked at run time, the build stays
// baseline x86-64).
#include <cstddef>
#include <cstdint>

namespace dcopt {

unsigned dithering_codes_avx2(const float* p, std::size_t m, double norm, std::uint32_t lowest,
                              double below, const std::uint32_t* words, std::uint32_t* need,
                              std::uint32_t* codes);
unsigned dithering_codes_avx2(const double* p, std::size_t m, double norm, std::uint32_t lowest,
                              double below, const std::uint32_t* words, std::uint32_t* need,
                              std::uint32_t* codes);

}  // namespace dcopt

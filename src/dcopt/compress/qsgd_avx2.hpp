#pragma once
// The AVX2 kernel of qsgd's stochastic rounding (a `fast` of draw_in_chunks, quant_support.hpp)
// for m entries, m a multiple of 4: entry j of p, t = min(|p[j]| * s_over_norm, s), drawing
// words[j], gives levels[j] (sign | level << 1, 0 for level 0), need[j] (1 if it draws a word, 0
// if t is an integer) and the flags kChunkIrregular (a tie with its word: left to the per-entry
// loop) and kChunkSkippedDraws. The same IEEE operations as the portable kernel of qsgd.cpp, 4
// double lanes at a time (stochastic_round_avx2.hpp), the levels converted straight to 32-bit
// lanes (GCC's version of the portable loop narrowed 64-bit masks lane by lane). Only for a
// finite s_over_norm (qsgd's tiny-norm case takes the per-entry loop). Only call these when
// cpu_has_avx2() (quant_support.hpp).
#include <cstddef>
#include <cstdint>

namespace dcopt {

unsigned qsgd_levels_avx2(const float* p, std::size_t m, double s_over_norm, double s,
                          const std::uint32_t* words, std::uint32_t* need, std::uint32_t* levels);
unsigned qsgd_levels_avx2(const double* p, std::size_t m, double s_over_norm, double s,
                          const std::uint32_t* words, std::uint32_t* need, std::uint32_t* levels);

}  // namespace dcopt

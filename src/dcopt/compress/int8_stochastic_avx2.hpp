#pragma once
// The AVX2 kernel of int8's stochastic rounding (a `fast` of draw_in_chunks, quant_support.hpp):
// for entries p[0, m) scaled by inv, entry j drawing words[j], the codes q[j] (int8, stored
// straight into the message), need[j] (1 if the
// entry draws, 0 if it rounds exactly; written only when the result is exactly
// kChunkSkippedDraws) and the flags kChunkIrregular (a tie or a fraction that rounded to 1:
// left to the per-entry loop) and kChunkSkippedDraws. p[j] * inv is clamped to [-127, 127]
// as in the per-entry loop. The same IEEE
// operations as int8's portable kernel, 4 double lanes at a time, written with intrinsics: floor
// by vroundpd instead of truncate-and-correct, the code as floor + (0 or 1) in double converted
// once, and the per-lane masks kept as 64-bit lanes (GCC's version of the portable loop spent
// most of its time narrowing 64-bit compare masks to 32-bit lanes).
//
// Only call these when cpu_has_avx2() (quant_support.hpp) (the CPU has AVX2; checked at run
// time, the build stays baseline x86-64).
#include <cstddef>
#include <cstdint>

namespace dcopt {

unsigned int8_stochastic_codes_avx2(const float* p, std::size_t m, double inv,
                                    const std::uint32_t* words, std::uint32_t* need,
                                    std::int8_t* q);
unsigned int8_stochastic_codes_avx2(const double* p, std::size_t m, double inv,
                                    const std::uint32_t* words, std::uint32_t* need,
                                    std::int8_t* q);

}  // namespace dcopt

#pragma once
// The AVX2 kernel of scaled_sign's encode pass: for `full` blocks of 64 entries, the sign word
// of each block (bit k set iff x[64 b + k] < 0, so -0 and NaN give 0) and the l1 norm added into
// *l1. The additions are those of scaled_sign's portable loop, in its order: per block eight
// partial sums (entry k into sum k % 8, each starting at +0), combined as
// ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), then added to *l1 block after block. The
// eight sums are already lane-wise, so they are two 4-lane double registers here, and the signs
// come from one compare and movemask per 8 floats (4 doubles): the same bits as the portable
// loop, which the compiler did not turn into movmsk.
//
// Only call these when cpu_has_avx2() (quant_support.hpp) (the CPU has AVX2; checked at run time,
// the build stays baseline x86-64). Return 0.
#include <cstddef>
#include <cstdint>

namespace dcopt {

unsigned sign_words_l1_avx2(const float* x, std::size_t full, std::uint64_t* words, double* l1);
unsigned sign_words_l1_avx2(const double* x, std::size_t full, std::uint64_t* words, double* l1);

}  // namespace dcopt

#pragma once
// The sum of squares and the largest magnitude of a vector, the pass under the l2 norm of the
// codecs that scale by ||x||_2 (qsgd, natural_dithering; quant_support.hpp). The additions run in
// eight lanes: entry j is squared and added into lane j % 8 (each lane starts at +0 and takes its
// entries in increasing j), and the lanes are combined as ((s0 + s1) + (s2 + s3)) +
// ((s4 + s5) + (s6 + s7)). That order is part of the codecs' numbers (the norm goes on the wire
// and scales every level); it is the same on every machine: the AVX2 copy (two 4-lane registers,
// chosen at run time) and the portable loop do the same IEEE operations in the same order, with
// no multiply-add contracted. A single chain of additions (the order before) is bound by the
// latency of one add per entry: 4-5x slower than reading the vector.
//
// A float entry is widened to double exactly, so a float vector gives the result of its double
// copy. A non-finite entry or an overflow gives sum = inf or NaN (the caller checks); max_abs is
// exact and independent of the order.
#include <cstddef>
#include <span>

namespace dcopt {

struct SquaresAndMax {
  double sum = 0.0;
  double max_abs = 0.0;
};

SquaresAndMax sum_of_squares(std::span<const float> x);
SquaresAndMax sum_of_squares(std::span<const double> x);

/// The portable loop, whatever the CPU (for the tests that pin the AVX2 copy to it).
SquaresAndMax sum_of_squares_portable(std::span<const float> x);
SquaresAndMax sum_of_squares_portable(std::span<const double> x);

}  // namespace dcopt

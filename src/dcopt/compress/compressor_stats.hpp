#pragma once
// Monte-Carlo measurement of a compressor's statistical constants on random vectors, next to the
// constants it declares (what `dcopt compressor-stats` prints).
#include <cstddef>
#include <cstdint>
#include <string>

#include "dcopt/compress/compressor.hpp"

namespace dcopt {

struct CompressorStats {
  std::string spec;
  std::size_t dim = 0;
  int trials = 0;
  bool unbiased = false;
  double omega_declared = 0.0;  ///< infinity when the codec is not in U(omega)
  double delta_declared = 0.0;  ///< infinity when the codec is not contractive
  double density_declared = 0.0;
  /// mean over trials of ||Q(x)-x||^2 / ||x||^2 (for contractive codecs compare to 1-1/delta)
  double omega_measured = 0.0;
  /// ||mean Q(x) - x|| / ||x||, the mean over all trials: for an unbiased codec it shrinks like
  /// 1/sqrt(trials), for a biased one it tends to the codec's relative bias on x.
  double bias_measured = 0.0;
  /// Monte-Carlo standard error of bias_measured: sqrt(V / trials) / ||x|| with V the sample
  /// variance sum_j Var(Q(x)_j) over the trials. For an unbiased codec E bias_measured^2 is
  /// V / (trials ||x||^2), so bias_measured is within a few noise floors of 0; a bias well above
  /// it is real. 0 for a deterministic codec; NaN when trials = 1.
  double bias_noise_floor = 0.0;
  /// mean number of non-zeros of Q(x)
  double density_measured = 0.0;
  /// mean exact message size in bits (header included) and without the header
  double bits_mean = 0.0;
  double payload_bits_mean = 0.0;
  /// The declared constants hold within the Monte-Carlo tolerance (see measure_compressor).
  bool consistent = false;
};

/// Draws `trials` encodings of one fixed Gaussian vector x of dimension d (a bias is a property
/// of E Q(x) for one x: averaging over several x would cancel, e.g., TopK's bias by symmetry),
/// decodes them, and measures. Tolerances for `consistent`: bias < 5 sqrt(omega/trials) + 1e-6
/// (fp32 rounding), omega_measured <= 1.05 omega + 1e-6, contraction <= 1.05 (1 - 1/delta) +
/// 1e-6.
CompressorStats measure_compressor(const Compressor& codec, std::size_t d, int trials,
                                   std::uint64_t seed);

}  // namespace dcopt

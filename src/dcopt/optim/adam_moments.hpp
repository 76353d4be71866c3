#pragma once
// Adam's moment estimates, shared by Adam, AdamW and LAMB so that the three update their moments
// with the same float arithmetic:
//   m = b1 * m + (1 - b1) * g ;  v = b2 * v + (1 - b2) * g * g
// with float coefficients b1, (1 - b1), b2, (1 - b2) rounded once from double. (torch writes the
// first moment as m.lerp_(g, 1 - b1), the same value up to float rounding.)
// Also the validation of the options the three share.
#include <cmath>
#include <cstdint>
#include <string>

namespace dcopt {

struct AdamMoments {
  float b1, one_minus_b1, b2, one_minus_b2;

  AdamMoments(double beta1, double beta2)
      : b1(static_cast<float>(beta1)),
        one_minus_b1(static_cast<float>(1.0 - beta1)),
        b2(static_cast<float>(beta2)),
        one_minus_b2(static_cast<float>(1.0 - beta2)) {}

  void update(float& m, float& v, float g) const {
    m = b1 * m + one_minus_b1 * g;
    v = b2 * v + one_minus_b2 * g * g;
  }
};

/// 1 - beta^t, the bias correction after t steps (t >= 1), in double.
inline double bias_correction(double beta, std::uint64_t t) {
  return 1.0 - std::pow(beta, static_cast<double>(t));
}

/// InvalidArgument "<rule>: <key> = <value>; valid: ..." unless 0 <= beta1, beta2 < 1, eps > 0
/// and weight_decay >= 0 (all finite). eps = 0 is rejected although torch allows it: where a
/// gradient entry has always been 0, v = 0 and m / sqrt(v) is 0 / 0.
void check_adam_options(const std::string& rule, double beta1, double beta2, double eps,
                        double weight_decay);

}  // namespace dcopt

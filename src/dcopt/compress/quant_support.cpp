#include "dcopt/compress/quant_support.hpp"

#include <cfloat>
#include <cmath>
#include <sstream>
#include <string>

#include "dcopt/compress/sum_of_squares.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {

template <class T>
void require_finite_input(std::span<const T> x, std::string_view codec) {
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      std::ostringstream msg;
      msg << "codec '" << codec << "' cannot encode entry " << i << " = "
          << static_cast<double>(x[i]) << ": input must be finite";
      throw InvalidArgument(msg.str());
    }
  }
}

template <class T>
double checked_max_abs(std::span<const T> x, std::string_view codec) {
  double m = 0.0;
  bool finite = true;
  for (T v : x) {
    double a = std::fabs(static_cast<double>(v));
    m = a > m ? a : m;
    finite &= a <= DBL_MAX;  // false for inf and NaN
  }
  if (!finite) require_finite_input(x, codec);
  return m;
}

template <class T>
double checked_l2_norm(std::span<const T> x, std::string_view codec) {
  const SquaresAndMax q = sum_of_squares(x);
  const double sum = q.sum, m = q.max_abs;
  if (!(sum <= DBL_MAX)) require_finite_input(x, codec);  // NaN/inf entry, or overflow
  if (m == 0.0) return 0.0;
  // Squares overflow above ~2^511 and lose precision (subnormal) below ~2^-511: rescale by the
  // largest entry then, which costs a second pass only for such extreme inputs.
  if (m > 0x1p500 || m < 0x1p-500 || !(sum <= DBL_MAX)) {
    double scaled = 0.0;
    for (T e : x) {
      double t = static_cast<double>(e) / m;
      scaled += t * t;
    }
    double n = m * std::sqrt(scaled);
    return n > m ? n : m;
  }
  double n = std::sqrt(sum);
  return n > m ? n : m;
}

template void require_finite_input<double>(std::span<const double>, std::string_view);
template void require_finite_input<float>(std::span<const float>, std::string_view);
template double checked_max_abs<double>(std::span<const double>, std::string_view);
template double checked_max_abs<float>(std::span<const float>, std::string_view);
template double checked_l2_norm<double>(std::span<const double>, std::string_view);
template double checked_l2_norm<float>(std::span<const float>, std::string_view);

double round_up_to_wire(double v, Precision p, std::string_view codec, std::string_view what) {
  if (p == Precision::fp64) return v;
  if (v > static_cast<double>(FLT_MAX)) {
    std::ostringstream msg;
    msg << "codec '" << codec << "': " << what << " = " << v
        << " exceeds the fp32 range of the wire; use precision=64";
    throw InvalidArgument(msg.str());
  }
  float f = static_cast<float>(v);
  if (static_cast<double>(f) < v) f = std::nextafter(f, FLT_MAX);
  return static_cast<double>(f);
}

}  // namespace dcopt

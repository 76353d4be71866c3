#include "dcopt/methods/options/unit_interval.hpp"

#include <sstream>

#include "dcopt/core/error.hpp"

namespace dcopt {

double read_half_open_unit(const Settings& s, std::string_view key, double fallback) {
  const double v = s.number(key, fallback, -1e308, 1e308);
  if (!(v >= 0.0 && v < 1.0)) {
    std::ostringstream os;
    os.precision(17);
    os << s.context() << ": " << key << " = " << v << ": out of range; valid: 0 <= " << key
       << " < 1";
    throw InvalidArgument(os.str());
  }
  return v;
}

}  // namespace dcopt

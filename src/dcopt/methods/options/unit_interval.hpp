#pragma once
// Reading a momentum-like parameter that must lie in [0, 1) (MASHA's tau, A-M's alpha): the
// Settings getters check closed ranges only.
#include <string_view>

#include "dcopt/core/settings.hpp"

namespace dcopt {

/// s[key] if present, else `fallback`; InvalidArgument naming the key and "valid: 0 <= key < 1"
/// unless the value is in [0, 1).
double read_half_open_unit(const Settings& s, std::string_view key, double fallback);

}  // namespace dcopt

#include "dcopt/compress/sparsity_level.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {
constexpr const char* k_valid = "an integer k >= 1 (and at most the dimension d at encode time)";
constexpr const char* ratio_valid = "a number with 0 < ratio <= 1 (k = ceil(ratio*d), at least 1)";
}  // namespace

SparsityLevel SparsityLevel::parse(const CodecSpec& spec) {
  const bool has_k = spec.has("k"), has_ratio = spec.has("ratio");
  if (has_k == has_ratio) {
    throw InvalidArgument("codec spec '" + spec.text() + "': give exactly one of k (" + k_valid +
                          ") and ratio (" + ratio_valid + ")" +
                          (has_k ? ", not both" : "; neither was given"));
  }
  SparsityLevel level;
  if (has_k) {
    level.k_ = spec.get_uint("k", 0);
    if (level.k_ < 1) spec.fail("k", k_valid);
  } else {
    level.is_ratio_ = true;
    level.ratio_ = spec.get_double("ratio", 0.0);
    if (!(level.ratio_ > 0.0 && level.ratio_ <= 1.0)) spec.fail("ratio", ratio_valid);
  }
  return level;
}

std::size_t SparsityLevel::resolve(std::size_t d, std::string_view codec) const {
  if (d > std::numeric_limits<std::uint32_t>::max()) {
    throw InvalidArgument(std::string(codec) + ": dimension d=" + std::to_string(d) +
                          " is too large; sparsifying codecs support d < 2^32");
  }
  if (!is_ratio_) {
    if (k_ > d) {
      throw InvalidArgument(std::string(codec) + ": k=" + std::to_string(k_) +
                            " exceeds the dimension d=" + std::to_string(d) +
                            "; valid: 1 <= k <= d (or use ratio=...)");
    }
    return static_cast<std::size_t>(k_);
  }
  if (d == 0) return 0;
  // ratio*d is computed in binary floating point, so "ratio=0.07, d=100" gives 7.000000000000001;
  // a product within 1e-9 (relative) of an integer is taken as that integer, as the user meant.
  const double t = ratio_ * static_cast<double>(d);
  const double nearest = std::round(t);
  double k = std::abs(t - nearest) <= 1e-9 * std::max(1.0, t) ? nearest : std::ceil(t);
  k = std::clamp(k, 1.0, static_cast<double>(d));
  return static_cast<std::size_t>(k);
}

std::string SparsityLevel::spec_text() const {
  if (!is_ratio_) return "k=" + std::to_string(k_);
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, ratio_);
  return "ratio=" + std::string(buf, res.ptr);
}

std::vector<CodecParam> SparsityLevel::params() {
  return {
      {"k", "", std::string("coordinates kept: ") + k_valid + "; exactly one of k and ratio"},
      {"ratio", "",
       std::string("fraction of coordinates kept: ") + ratio_valid +
           "; exactly one of k and ratio"},
  };
}

CompressorProperties random_sparsifier_properties(std::size_t k, std::size_t d) {
  CompressorProperties p;
  p.unbiased = true;
  p.omega = k == 0 ? 0.0 : static_cast<double>(d) / static_cast<double>(k) - 1.0;
  p.delta = k == d ? 1.0 : CompressorProperties::none;
  p.expected_density = static_cast<double>(k);
  p.deterministic = k == d;
  return p;
}

}  // namespace dcopt

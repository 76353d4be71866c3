#include "dcopt/compress/codec_spec.hpp"

#include <charconv>
#include <cmath>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {
std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}
}  // namespace

CodecSpec CodecSpec::parse(std::string_view text) {
  CodecSpec spec;
  spec.text_ = std::string(text);
  std::size_t colon = text.find(':');
  spec.name_ = trim(text.substr(0, colon));
  if (spec.name_.empty()) {
    throw InvalidArgument("codec spec '" + spec.text_ +
                          "': missing codec name; expected NAME or NAME:key=value,... "
                          "(see `dcopt compressors`)");
  }
  if (colon == std::string_view::npos) return spec;
  std::string_view rest = text.substr(colon + 1);
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      throw InvalidArgument("codec spec '" + spec.text_ + "': parameter '" + trim(item) +
                            "' has no value; expected key=value");
    }
    std::string key = trim(item.substr(0, eq));
    std::string value = trim(item.substr(eq + 1));
    if (key.empty() || value.empty()) {
      throw InvalidArgument("codec spec '" + spec.text_ + "': empty key or value in '" +
                            std::string(item) + "'; expected key=value");
    }
    if (!spec.values_.emplace(key, value).second) {
      throw InvalidArgument("codec spec '" + spec.text_ + "': parameter '" + key + "' given twice");
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return spec;
}

bool CodecSpec::has(std::string_view key) const { return values_.find(key) != values_.end(); }

std::string CodecSpec::get_string(std::string_view key, std::string_view fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::string(fallback) : it->second;
}

double CodecSpec::get_double(std::string_view key, double fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second;
  double v = 0.0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    fail(key, "a finite number");
  }
  return v;
}

std::uint64_t CodecSpec::get_uint(std::string_view key, std::uint64_t fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) fail(key, "a non-negative integer");
  return v;
}

void CodecSpec::reject_unknown(const std::vector<CodecParam>& params) const {
  for (const auto& [key, value] : values_) {
    bool known = false;
    for (const auto& p : params) known = known || p.name == key;
    if (!known) {
      std::string valid;
      for (const auto& p : params) valid += (valid.empty() ? "" : ", ") + p.name;
      throw InvalidArgument("codec spec '" + text_ + "': unknown parameter '" + key +
                            "' for codec '" + name_ +
                            "'; valid parameters: " + (valid.empty() ? "none" : valid));
    }
  }
}

void CodecSpec::fail(std::string_view key, std::string_view valid) const {
  auto it = values_.find(key);
  std::string value = it == values_.end() ? "(default)" : it->second;
  throw InvalidArgument("codec spec '" + text_ + "': " + std::string(key) + "=" + value +
                        " is invalid; valid: " + std::string(valid));
}

}  // namespace dcopt

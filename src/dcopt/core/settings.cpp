#include "dcopt/core/settings.hpp"

#include <cmath>
#include <sstream>

#include "dcopt/core/error.hpp"

namespace dcopt {

std::vector<std::string> Settings::keys() const {
  std::vector<std::string> k;
  for (const auto& [key, v] : values_) k.push_back(key);
  return k;
}

const Settings::Value* Settings::find(std::string_view key) const {
  used_.insert(std::string(key));
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

void Settings::fail(std::string_view key, const std::string& what) const {
  auto it = values_.find(key);
  std::string shown = it == values_.end() ? "" : " = " + to_string(it->second);
  throw InvalidArgument(context_ + ": " + std::string(key) + shown + ": " + what);
}

std::string Settings::to_string(const Value& v) {
  std::ostringstream os;
  if (std::holds_alternative<bool>(v)) {
    os << (std::get<bool>(v) ? "true" : "false");
  } else if (std::holds_alternative<std::int64_t>(v)) {
    os << std::get<std::int64_t>(v);
  } else if (std::holds_alternative<double>(v)) {
    os.precision(17);
    os << std::get<double>(v);
  } else if (std::holds_alternative<std::string>(v)) {
    os << '"' << std::get<std::string>(v) << '"';
  } else {
    os << '[';
    const auto& list = std::get<std::vector<std::int64_t>>(v);
    for (std::size_t i = 0; i < list.size(); ++i) os << (i ? ", " : "") << list[i];
    os << ']';
  }
  return os.str();
}

std::optional<double> Settings::optional_number(std::string_view key, double lo, double hi) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  double x = 0.0;
  if (std::holds_alternative<double>(*v)) {
    x = std::get<double>(*v);
  } else if (std::holds_alternative<std::int64_t>(*v)) {
    x = static_cast<double>(std::get<std::int64_t>(*v));
  } else {
    fail(key, "expected a number");
  }
  if (!std::isfinite(x) || x < lo || x > hi) {
    std::ostringstream os;
    os.precision(6);
    os << "out of range; valid: " << lo << " <= " << key << " <= " << hi;
    fail(key, os.str());
  }
  return x;
}

double Settings::number(std::string_view key, double fallback, double lo, double hi) const {
  return optional_number(key, lo, hi).value_or(fallback);
}

std::optional<std::int64_t> Settings::optional_integer(std::string_view key, std::int64_t lo,
                                                       std::int64_t hi) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (!std::holds_alternative<std::int64_t>(*v)) fail(key, "expected an integer");
  std::int64_t x = std::get<std::int64_t>(*v);
  if (x < lo || x > hi) {
    fail(key, "out of range; valid: " + std::to_string(lo) + " <= " + std::string(key) +
                  " <= " + std::to_string(hi));
  }
  return x;
}

std::int64_t Settings::integer(std::string_view key, std::int64_t fallback, std::int64_t lo,
                               std::int64_t hi) const {
  return optional_integer(key, lo, hi).value_or(fallback);
}

std::string Settings::string(std::string_view key, std::string_view fallback) const {
  const Value* v = find(key);
  if (!v) return std::string(fallback);
  if (!std::holds_alternative<std::string>(*v)) fail(key, "expected a string");
  return std::get<std::string>(*v);
}

std::string Settings::choice(std::string_view key, std::string_view fallback,
                             const std::vector<std::string>& choices) const {
  std::string s = string(key, fallback);
  for (const auto& c : choices) {
    if (c == s) return s;
  }
  std::string valid;
  for (const auto& c : choices) valid += (valid.empty() ? "" : ", ") + c;
  fail(key, "invalid choice; valid: " + valid);
}

bool Settings::boolean(std::string_view key, bool fallback) const {
  const Value* v = find(key);
  if (!v) return fallback;
  if (!std::holds_alternative<bool>(*v)) fail(key, "expected true or false");
  return std::get<bool>(*v);
}

std::optional<std::vector<std::int64_t>> Settings::optional_integer_list(std::string_view key,
                                                                         std::int64_t lo,
                                                                         std::int64_t hi) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  std::vector<std::int64_t> list;
  if (std::holds_alternative<std::int64_t>(*v)) {
    list.push_back(std::get<std::int64_t>(*v));
  } else if (std::holds_alternative<std::vector<std::int64_t>>(*v)) {
    list = std::get<std::vector<std::int64_t>>(*v);
  } else {
    fail(key, "expected a list of integers, e.g. [0, 6]");
  }
  for (std::int64_t x : list) {
    if (x < lo || x > hi) {
      fail(key, std::to_string(x) + " out of range; valid: " + std::to_string(lo) +
                    " <= each entry <= " + std::to_string(hi));
    }
  }
  return list;
}

void Settings::reject_unused() const {
  for (const auto& [key, v] : values_) {
    if (used_.count(key) == 0) {
      std::string valid;
      for (const auto& u : used_) valid += (valid.empty() ? "" : ", ") + u;
      throw InvalidArgument(context_ + ": unknown key '" + key +
                            "'; valid keys here: " + (valid.empty() ? "none" : valid));
    }
  }
}

}  // namespace dcopt

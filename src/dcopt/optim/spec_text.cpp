#include "dcopt/optim/spec_text.hpp"

#include <fmt/format.h>

namespace dcopt {

SpecText::SpecText(std::string_view name) : text_(name) { text_ += '('; }

void SpecText::key(std::string_view k) {
  if (!first_) text_ += ", ";
  first_ = false;
  text_ += k;
  text_ += '=';
}

SpecText& SpecText::add(std::string_view k, double value) {
  key(k);
  text_ += fmt::format("{}", value);  // shortest decimal that reads back to the same double
  return *this;
}

SpecText& SpecText::add(std::string_view k, std::uint64_t value) {
  key(k);
  text_ += std::to_string(value);
  return *this;
}

SpecText& SpecText::add(std::string_view k, bool value) {
  key(k);
  text_ += value ? "true" : "false";
  return *this;
}

SpecText& SpecText::add(std::string_view k, const std::vector<std::string>& values) {
  key(k);
  text_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) text_ += ", ";
    text_ += values[i];
  }
  text_ += ']';
  return *this;
}

}  // namespace dcopt

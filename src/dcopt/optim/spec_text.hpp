#pragma once
// SpecText: the canonical text of an optimizer or schedule configuration, "name(key=value, ...)",
// numbers in their shortest round-tripping decimal form, so that two configurations compare
// equal as text exactly when their values are equal (checkpoints compare it).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dcopt {

class SpecText {
 public:
  explicit SpecText(std::string_view name);
  SpecText& add(std::string_view key, double value);
  SpecText& add(std::string_view key, std::uint64_t value);
  SpecText& add(std::string_view key, bool value);
  /// A list of names, "[a, b]".
  SpecText& add(std::string_view key, const std::vector<std::string>& values);
  std::string text() const { return text_ + ")"; }

 private:
  void key(std::string_view k);
  std::string text_;
  bool first_ = true;
};

}  // namespace dcopt

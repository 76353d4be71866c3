#pragma once
// Parsing of codec spec strings: "name" or "name:key=value,key=value" (e.g. "topk:ratio=0.3").
// Every error names the spec, the key and what would be valid.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dcopt {

/// One documented parameter of a codec.
struct CodecParam {
  std::string name;
  std::string default_value;  ///< as text; "" when the parameter has no default (required)
  std::string description;    ///< includes the valid range
};

class CodecSpec {
 public:
  /// Throws InvalidArgument on syntax errors (empty name, missing '=', duplicate key).
  static CodecSpec parse(std::string_view text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  bool has(std::string_view key) const;

  std::string get_string(std::string_view key, std::string_view fallback) const;
  double get_double(std::string_view key, double fallback) const;
  /// Integer parameter; a non-integer or negative value is an error naming the key.
  std::uint64_t get_uint(std::string_view key, std::uint64_t fallback) const;

  /// Throws InvalidArgument if a key is not among `params`, listing the valid keys.
  void reject_unknown(const std::vector<CodecParam>& params) const;

  /// Throws InvalidArgument: "codec spec 'S': KEY=VALUE is invalid; valid: VALID".
  [[noreturn]] void fail(std::string_view key, std::string_view valid) const;

 private:
  std::string text_;
  std::string name_;
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace dcopt

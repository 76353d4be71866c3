#pragma once
// A flat table of named settings (numbers, integers, strings, booleans, lists of integers) with
// typed getters that remember which keys were read, so that a caller can reject unknown keys with
// a message that names the key, where it came from and what the valid keys are. The experiment
// layer fills it from TOML; methods and problems read their parameters from it.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dcopt {

class Settings {
 public:
  using Value = std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>>;

  /// `context` names where the settings come from, e.g. "method 'marina' in run.toml".
  explicit Settings(std::string context = "settings") : context_(std::move(context)) {}

  void set(std::string key, Value value) { values_[std::move(key)] = std::move(value); }
  bool has(std::string_view key) const { return values_.find(key) != values_.end(); }
  const std::string& context() const { return context_; }
  std::vector<std::string> keys() const;

  /// Typed getters. A value of the wrong type, or outside [lo, hi], throws InvalidArgument
  /// naming the context, the key, the value and the valid range. Integers are accepted where a
  /// number is expected.
  double number(std::string_view key, double fallback, double lo = -1e308, double hi = 1e308) const;
  std::optional<double> optional_number(std::string_view key, double lo = -1e308,
                                        double hi = 1e308) const;
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t lo = INT64_MIN,
                       std::int64_t hi = INT64_MAX) const;
  std::optional<std::int64_t> optional_integer(std::string_view key, std::int64_t lo = INT64_MIN,
                                               std::int64_t hi = INT64_MAX) const;
  std::string string(std::string_view key, std::string_view fallback) const;
  /// A string that must be one of `choices`.
  std::string choice(std::string_view key, std::string_view fallback,
                     const std::vector<std::string>& choices) const;
  bool boolean(std::string_view key, bool fallback) const;
  /// A list of integers, each in [lo, hi] (a single integer reads as a list of one). Unset:
  /// nullopt.
  std::optional<std::vector<std::int64_t>> optional_integer_list(std::string_view key,
                                                                 std::int64_t lo = INT64_MIN,
                                                                 std::int64_t hi = INT64_MAX) const;

  /// Marks a key as known without reading it (e.g. consumed by another layer).
  void mark_used(std::string_view key) const { used_.insert(std::string(key)); }
  /// Throws InvalidArgument for the first key never read, listing the keys that were read.
  void reject_unused() const;
  /// Every key a getter has asked for so far, present or not (sorted): what a reader knows.
  std::vector<std::string> read_keys() const { return {used_.begin(), used_.end()}; }

  /// Text form of a value (for echoing configs).
  static std::string to_string(const Value& v);

 private:
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;
  const Value* find(std::string_view key) const;
  std::string context_;
  std::map<std::string, Value, std::less<>> values_;
  mutable std::set<std::string, std::less<>> used_;
};

}  // namespace dcopt

#include "dcopt/compress/compression_policy.hpp"

#include <cctype>
#include <limits>
#include <utility>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/glob_match.hpp"

namespace dcopt {
namespace {

constexpr const char* kConditionHelp =
    "valid conditions: *, name=GLOB, numel OP N, rank OP N (OP one of > >= < <= =, N a "
    "decimal integer or 2^K), joined by &";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool has_space(std::string_view s) {
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

std::string rule_label(std::size_t index, std::string_view text) {
  return "compression policy rule " + std::to_string(index + 1) + " '" + std::string(text) + "'";
}

const char* cmp_text(TensorCondition::Cmp c) {
  switch (c) {
    case TensorCondition::Cmp::lt: return "<";
    case TensorCondition::Cmp::le: return "<=";
    case TensorCondition::Cmp::eq: return "=";
    case TensorCondition::Cmp::ge: return ">=";
    case TensorCondition::Cmp::gt: return ">";
  }
  return "?";
}

bool compare(std::uint64_t a, TensorCondition::Cmp c, std::uint64_t b) {
  switch (c) {
    case TensorCondition::Cmp::lt: return a < b;
    case TensorCondition::Cmp::le: return a <= b;
    case TensorCondition::Cmp::eq: return a == b;
    case TensorCondition::Cmp::ge: return a >= b;
    case TensorCondition::Cmp::gt: return a > b;
  }
  return false;
}

// "65536" or "2^16"; nullopt-like failure reported by the caller.
bool parse_count(std::string_view s, std::uint64_t& out) {
  auto parse_decimal = [](std::string_view d, std::uint64_t& v) {
    if (d.empty()) return false;
    v = 0;
    for (char c : d) {
      if (c < '0' || c > '9') return false;
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
      v = v * 10 + digit;
    }
    return true;
  };
  if (s.size() > 2 && s[0] == '2' && s[1] == '^') {
    std::uint64_t k = 0;
    if (!parse_decimal(s.substr(2), k) || k > 63) return false;
    out = std::uint64_t{1} << k;
    return true;
  }
  return parse_decimal(s, out);
}

TensorCondition parse_condition(std::string_view text, const std::string& where) {
  TensorCondition c;
  if (text == "*") return c;
  if (text.empty()) throw InvalidArgument(where + ": empty condition; " + kConditionHelp);
  if (text.starts_with("name=")) {
    c.field = TensorCondition::Field::name;
    c.pattern = std::string(text.substr(5));
    if (c.pattern.empty() || has_space(c.pattern)) {
      throw InvalidArgument(where + ": condition '" + std::string(text) +
                            "' needs a non-empty glob without spaces, e.g. name=*.bias");
    }
    return c;
  }
  std::size_t i = 0;
  while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
  const std::string_view field = text.substr(0, i);
  if (field == "numel") {
    c.field = TensorCondition::Field::numel;
  } else if (field == "rank") {
    c.field = TensorCondition::Field::rank;
  } else {
    throw InvalidArgument(where + ": unknown condition '" + std::string(text) + "'; " +
                          kConditionHelp);
  }
  std::string_view rest = trim(text.substr(i));
  if (rest.starts_with(">=")) {
    c.cmp = TensorCondition::Cmp::ge;
    rest.remove_prefix(2);
  } else if (rest.starts_with("<=")) {
    c.cmp = TensorCondition::Cmp::le;
    rest.remove_prefix(2);
  } else if (rest.starts_with(">")) {
    c.cmp = TensorCondition::Cmp::gt;
    rest.remove_prefix(1);
  } else if (rest.starts_with("<")) {
    c.cmp = TensorCondition::Cmp::lt;
    rest.remove_prefix(1);
  } else if (rest.starts_with("=")) {
    c.cmp = TensorCondition::Cmp::eq;
    rest.remove_prefix(1);
  } else {
    throw InvalidArgument(where + ": condition '" + std::string(text) +
                          "' needs a comparison (> >= < <= =) after '" + std::string(field) + "'");
  }
  rest = trim(rest);
  if (!parse_count(rest, c.value)) {
    throw InvalidArgument(where + ": in condition '" + std::string(text) + "', '" +
                          std::string(rest) +
                          "' is not a non-negative integer (decimal, or 2^K with K <= 63)");
  }
  return c;
}

}  // namespace

bool TensorCondition::matches(const ParamTensor& t) const {
  switch (field) {
    case Field::any: return true;
    case Field::name: return glob_match(pattern, t.name);
    case Field::numel: return compare(t.numel(), cmp, value);
    case Field::rank: return compare(t.rank(), cmp, value);
  }
  return false;
}

std::string TensorCondition::text() const {
  switch (field) {
    case Field::any: return "*";
    case Field::name: return "name=" + pattern;
    case Field::numel: return std::string("numel") + cmp_text(cmp) + std::to_string(value);
    case Field::rank: return std::string("rank") + cmp_text(cmp) + std::to_string(value);
  }
  return "?";
}

std::string PolicyRule::text() const {
  std::string s;
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    if (i > 0) s += " & ";
    s += conditions[i].text();
  }
  return s + " -> " + codec;
}

CompressionPolicy::CompressionPolicy() : CompressionPolicy(std::vector<PolicyRule>{}) {}

CompressionPolicy::CompressionPolicy(std::vector<PolicyRule> rules, std::string_view default_codec)
    : rules_(std::move(rules)) {
  codecs_.reserve(rules_.size() + 1);
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    PolicyRule& r = rules_[i];
    if (r.conditions.empty()) {
      throw InvalidArgument(rule_label(i, r.text()) +
                            " has no condition (use '*' to match every tensor)");
    }
    for (const TensorCondition& c : r.conditions) {
      if (c.field == TensorCondition::Field::name &&
          (c.pattern.empty() || has_space(c.pattern) ||
           c.pattern.find_first_of(";&") != std::string::npos)) {
        throw InvalidArgument(rule_label(i, r.text()) + ": the glob '" + c.pattern +
                              "' must be non-empty, without spaces, ';' or '&'");
      }
    }
    try {
      codecs_.push_back(make_compressor(r.codec));
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(rule_label(i, r.text()) + ": " + e.what());
    }
    r.codec = codecs_.back()->spec();
  }
  try {
    codecs_.push_back(make_compressor(default_codec));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument("compression policy default '" + std::string(default_codec) +
                          "': " + e.what());
  }
  default_ = codecs_.back()->spec();
}

CompressionPolicy CompressionPolicy::parse(std::string_view text) {
  std::vector<PolicyRule> rules;
  std::string default_codec = "identity";
  bool has_default = false;
  std::size_t index = 0;  // of the rule being parsed, counting only non-empty ones
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view piece = trim(text.substr(start, end - start));
    start = end + 1;
    if (piece.empty()) continue;  // "a; b;" and blank lines are harmless
    const std::string where = rule_label(index, piece);
    if (has_default) {
      throw InvalidArgument(where + " follows the 'default' rule, which must be the last");
    }
    const std::size_t arrow = piece.find("->");
    if (arrow == std::string_view::npos) {
      throw InvalidArgument(where + ": expected 'CONDITIONS -> CODEC' or 'default -> CODEC'");
    }
    const std::string_view lhs = trim(piece.substr(0, arrow));
    const std::string_view rhs = trim(piece.substr(arrow + 2));
    if (rhs.empty()) throw InvalidArgument(where + ": no codec after '->'");
    if (lhs == "default") {
      has_default = true;
      default_codec = std::string(rhs);
      try {
        make_compressor(rhs);
      } catch (const InvalidArgument& e) {
        throw InvalidArgument(where + ": " + e.what());
      }
      ++index;
      continue;
    }
    PolicyRule rule;
    std::size_t c0 = 0;
    while (c0 <= lhs.size()) {
      std::size_t c1 = lhs.find('&', c0);
      if (c1 == std::string_view::npos) c1 = lhs.size();
      rule.conditions.push_back(parse_condition(trim(lhs.substr(c0, c1 - c0)), where));
      c0 = c1 + 1;
    }
    rule.codec = std::string(rhs);
    try {
      make_compressor(rule.codec);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(where + ": " + e.what());
    }
    rules.push_back(std::move(rule));
    ++index;
  }
  if (index == 0) {
    throw InvalidArgument(
        "compression policy is empty; expected rules 'CONDITIONS -> CODEC' separated by ';', "
        "e.g. 'rank<=1 -> identity; numel>2^16 -> int8'");
  }
  return CompressionPolicy(std::move(rules), default_codec);
}

std::string CompressionPolicy::text() const {
  std::string s;
  for (const PolicyRule& r : rules_) s += r.text() + "; ";
  return s + "default -> " + default_;
}

std::size_t CompressionPolicy::match(const ParamTensor& t) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    bool all = true;
    for (const TensorCondition& c : rules_[i].conditions) all = all && c.matches(t);
    if (all) return i;
  }
  return rules_.size();
}

std::shared_ptr<const LayeredCompressor> CompressionPolicy::apply(const ParamLayout& layout) const {
  std::vector<TensorCodec> codecs;
  codecs.reserve(layout.num_tensors());
  for (std::size_t t = 0; t < layout.num_tensors(); ++t) {
    const ParamTensor& tensor = layout[t];
    const std::size_t i = match(tensor);
    const bool is_default = i == rules_.size();
    std::string origin = is_default ? "default" : "rule " + std::to_string(i + 1) + ": " + [&] {
      std::string cond;
      for (const TensorCondition& c : rules_[i].conditions) {
        cond += (cond.empty() ? "" : " & ") + c.text();
      }
      return cond;
    }();
    const CompressorPtr& codec = codecs_[i];
    try {
      codec->properties(tensor.numel());
    } catch (const InvalidArgument& e) {
      const std::string who = is_default ? "compression policy default '" + default_ + "'"
                                         : rule_label(i, rules_[i].text());
      throw InvalidArgument(who + " assigns tensor '" + tensor.name + "' " + tensor.shape_text() +
                            " (" + std::to_string(tensor.numel()) +
                            " entries) a codec that cannot compress it: " + e.what());
    }
    codecs.push_back({codec, std::move(origin)});
  }
  return std::make_shared<const LayeredCompressor>(layout, std::move(codecs), text());
}

}  // namespace dcopt

#include "dcopt/experiment/config_file.hpp"

#include <fstream>
#include <sstream>

#include "dcopt/core/error.hpp"

namespace dcopt {

std::string config_where(const std::string& source, const toml::node& node) {
  const auto& begin = node.source().begin;
  if (begin.line == 0) return source;
  return source + ":" + std::to_string(begin.line);
}

namespace {

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

// The value of an override as TOML: numbers, booleans, quoted strings, arrays and inline tables
// are parsed; anything else (bare words like topk:k=5) is a string, so users need no quoting.
toml::table parse_value(const std::string& value) {
  try {
    toml::table t = toml::parse("v = " + value);
    if (t.contains("v") && t.size() == 1) return t;
  } catch (const toml::parse_error&) {
  }
  toml::table t;
  t.insert("v", value);
  return t;
}

void apply_override(toml::table& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) {
    throw InvalidArgument("--set '" + assignment +
                          "': expected key=value (e.g. stop.max_rounds=100)");
  }
  const std::string path = trim(assignment.substr(0, eq));
  const std::string value = trim(assignment.substr(eq + 1));
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(trim(p));
  for (const auto& p : parts) {
    if (p.empty()) throw InvalidArgument("--set '" + assignment + "': empty key in '" + path + "'");
  }
  if (parts.empty()) throw InvalidArgument("--set '" + assignment + "': no key");
  toml::table* table = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* next = table->get(parts[i]);
    if (next == nullptr) {
      table->insert(parts[i], toml::table{});
      next = table->get(parts[i]);
    }
    if (auto* arr = next->as_array()) {
      if (i + 2 >= parts.size() || !is_index(parts[i + 1])) {
        throw InvalidArgument("--set '" + assignment + "': '" + parts[i] +
                              "' is an array; give an index and a key, e.g. " + parts[i] +
                              ".0.key=value");
      }
      const std::size_t index = std::stoul(parts[i + 1]);
      if (index >= arr->size() || !arr->get(index)->is_table()) {
        throw InvalidArgument("--set '" + assignment + "': index " + parts[i + 1] +
                              " out of range; valid: 0 <= index < " + std::to_string(arr->size()) +
                              " (indices are 0-based)");
      }
      table = arr->get(index)->as_table();
      ++i;
      continue;
    }
    if (!next->is_table()) {
      throw InvalidArgument("--set '" + assignment + "': '" + parts[i] + "' is not a table");
    }
    table = next->as_table();
  }
  toml::table parsed = parse_value(value);
  table->insert_or_assign(parts.back(), std::move(*parsed.get("v")));
}

// An array whose elements are all integers (empty included), or nullopt.
std::optional<std::vector<std::int64_t>> integer_array(const toml::node& node) {
  const toml::array* arr = node.as_array();
  if (arr == nullptr) return std::nullopt;
  std::vector<std::int64_t> list;
  for (const toml::node& e : *arr) {
    const auto* i = e.as_integer();
    if (i == nullptr) return std::nullopt;
    list.push_back(i->get());
  }
  return list;
}

}  // namespace

// A flat TOML table as Settings. Nested tables and arrays are not settings (except arrays of
// integers where `integer_lists` allows them, e.g. the [problem] table's classes): reject them
// here with the key named rather than dropping them silently.
Settings config_settings(const toml::table& t, const std::string& context,
                         const std::set<std::string>& skip, bool integer_lists) {
  Settings s(context);
  for (auto&& [key, node] : t) {
    const std::string k(key.str());
    if (skip.count(k)) continue;
    if (auto* v = node.as_integer()) {
      s.set(k, v->get());
    } else if (auto* v = node.as_floating_point()) {
      s.set(k, v->get());
    } else if (auto* v = node.as_boolean()) {
      s.set(k, v->get());
    } else if (auto* v = node.as_string()) {
      s.set(k, v->get());
    } else if (auto list = integer_lists ? integer_array(node) : std::nullopt) {
      s.set(k, std::move(*list));
    } else {
      std::ostringstream type;
      type << node.type();
      throw InvalidArgument(context + ": " + k + ": expected " +
                            (integer_lists ? "a number, string, boolean or array of integers"
                                           : "a number, string or boolean") +
                            "; found " + (node.is_table() ? "a table" : "a " + type.str()));
    }
  }
  return s;
}

const toml::table* config_sub_table(const toml::table& root, const char* key,
                                    const std::string& source, bool required) {
  const toml::node* n = root.get(key);
  if (n == nullptr) {
    if (required) throw InvalidArgument(source + ": missing table [" + key + "]");
    return nullptr;
  }
  if (!n->is_table()) {
    throw InvalidArgument(config_where(source, *n) + ": " + key + ": expected a table [" + key +
                          "]");
  }
  return n->as_table();
}

std::string read_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument(path.string() + ": cannot read the config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

toml::table parse_config(const std::string& text, const std::string& source,
                         const std::vector<std::string>& overrides) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw InvalidArgument(source + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                          ": " + std::string(e.description()));
  }
  for (const auto& o : overrides) apply_override(root, o);
  return root;
}

std::string config_json(const toml::table& root) {
  std::ostringstream json;
  json << toml::json_formatter{root};
  return json.str();
}

}  // namespace dcopt

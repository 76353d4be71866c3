#include "dcopt/experiment/experiment_config.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/problem_catalog.hpp"

namespace dcopt {
namespace {

std::string where(const std::string& source, const toml::node& node) {
  const auto& begin = node.source().begin;
  if (begin.line == 0) return source;
  return source + ":" + std::to_string(begin.line);
}

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

// A flat TOML table as Settings. Nested tables and arrays are not settings (except arrays of
// integers where `integer_lists` allows them, e.g. the [problem] table's classes): reject them
// here with the key named rather than dropping them silently.
Settings to_settings(const toml::table& t, const std::string& context,
                     const std::set<std::string>& skip = {}, bool integer_lists = false) {
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

const toml::table* sub_table(const toml::table& root, const char* key, const std::string& source,
                             bool required) {
  const toml::node* n = root.get(key);
  if (n == nullptr) {
    if (required) throw InvalidArgument(source + ": missing table [" + key + "]");
    return nullptr;
  }
  if (!n->is_table()) {
    throw InvalidArgument(where(source, *n) + ": " + key + ": expected a table [" + key + "]");
  }
  return n->as_table();
}

ProblemFamily family_of(const std::string& kind, const std::string& context) {
  return find_problem_kind(kind, context).family;
}

StopConfig read_stop(const toml::table* t, const std::string& source, ProblemFamily family) {
  StopConfig stop;
  if (t == nullptr) return stop;
  Settings s = to_settings(*t, where(source, *t) + " [stop]");
  stop.max_rounds = static_cast<std::uint64_t>(s.integer("max_rounds", 1000, 1, 1'000'000'000'000));
  if (auto b = s.optional_number("max_bits_per_worker", 1.0, 1e300)) stop.max_bits_per_worker = b;
  const bool vi = family == ProblemFamily::variational_inequality;
  const char* target_key = vi ? "target_dist_sq" : "target_grad_norm_sq";
  const char* other_key = vi ? "target_grad_norm_sq" : "target_dist_sq";
  if (s.has(other_key)) {
    throw InvalidArgument(s.context() + ": " + other_key + " does not apply to a " +
                          (vi ? "variational inequality" : "minimization") + " problem; use " +
                          target_key);
  }
  if (auto v = s.optional_number(target_key, 0.0, 1e300)) stop.target = v;
  if (auto w = s.optional_number("wall_budget_s", 1e-6, 1e12)) stop.wall_budget_s = w;
  stop.eval_every = static_cast<std::uint64_t>(s.integer("eval_every", 1, 1, 1'000'000'000'000));
  s.reject_unused();
  return stop;
}

std::vector<MethodConfig> read_methods(const toml::table& root, const std::string& source) {
  const toml::node* n = root.get("method");
  if (n == nullptr) {
    throw InvalidArgument(source +
                          ": no [[method]] given; add at least one, e.g.\n"
                          "  [[method]]\n  name = \"gd\"");
  }
  const toml::array* arr = n->as_array();
  if (arr == nullptr || arr->empty()) {
    throw InvalidArgument(where(source, *n) +
                          ": method: expected an array of tables [[method]] (at least one)");
  }
  std::vector<MethodConfig> methods;
  std::set<std::string> labels;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& node = *arr->get(i);
    const std::string at = where(source, node) + " [[method]] #" + std::to_string(i);
    if (!node.is_table()) throw InvalidArgument(at + ": expected a table");
    Settings head = to_settings(*node.as_table(), at);
    MethodConfig m;
    m.index = i;
    m.name = head.string("name", "");
    if (m.name.empty())
      throw InvalidArgument(at + ": missing key 'name' (the method's registry name)");
    const bool explicit_label = head.has("label");
    m.label = head.string("label", "");
    if (!explicit_label) {
      m.label = m.name;
      if (head.has("codec")) {
        m.label += ' ';
        m.label += head.string("codec", "");
      }
      if (labels.count(m.label)) {
        m.label += " #";
        m.label += std::to_string(i);
      }
    } else if (m.label.empty() || labels.count(m.label)) {
      throw InvalidArgument(at + ": label = \"" + m.label +
                            "\": labels must be non-empty and unique among the methods");
    }
    labels.insert(m.label);
    // The method sees only its own keys, under a context naming index and label.
    m.settings = to_settings(*node.as_table(), at + " ('" + m.label + "', method '" + m.name + "')",
                             {"name", "label"});
    methods.push_back(std::move(m));
  }
  return methods;
}

}  // namespace

ExperimentConfig parse_experiment_config(const std::string& text, const std::string& source,
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

  ExperimentConfig cfg;
  cfg.source = source;
  {
    std::ostringstream json;
    json << toml::json_formatter{root};
    cfg.echo_json = json.str();
  }

  Settings top = to_settings(root, source, {"problem", "stop", "method", "output"});
  std::string stem = std::filesystem::path(source).stem().string();
  cfg.name = top.string("name", stem.empty() ? "experiment" : stem);
  if (cfg.name.empty() || cfg.name.find_first_of("/\\") != std::string::npos || cfg.name == "." ||
      cfg.name == "..") {
    throw InvalidArgument(source + ": name = \"" + cfg.name +
                          "\": must be a non-empty file name (no '/'), it names runs/<name>");
  }
  cfg.seed = static_cast<std::uint64_t>(top.integer("seed", 0, 0, INT64_MAX));
  if (!top.has("workers")) {
    throw InvalidArgument(source + ": missing key 'workers' (number of workers n, 1 <= n <= 4096)");
  }
  cfg.workers = static_cast<int>(top.integer("workers", 1, 1, 4096));
  top.reject_unused();

  const toml::table* problem = sub_table(root, "problem", source, true);
  const std::string pctx = where(source, *problem) + " [problem]";
  cfg.problem.settings = to_settings(*problem, pctx, {"kind"}, true);
  Settings kind = to_settings(*problem, pctx, {}, true);
  if (!kind.has("kind")) {
    throw InvalidArgument(pctx + ": missing key 'kind'; valid: " + problem_kind_names());
  }
  cfg.problem.kind = kind.string("kind", "");
  cfg.problem.family = family_of(cfg.problem.kind, pctx);

  cfg.stop = read_stop(sub_table(root, "stop", source, false), source, cfg.problem.family);
  cfg.methods = read_methods(root, source);

  if (const toml::table* out = sub_table(root, "output", source, false)) {
    Settings s = to_settings(*out, where(source, *out) + " [output]");
    cfg.output.plots = s.boolean("plots", true);
    s.reject_unused();
  }
  return cfg;
}

ExperimentConfig load_experiment_config(const std::filesystem::path& path,
                                        const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument(path.string() + ": cannot read the config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_experiment_config(ss.str(), path.string(), overrides);
}

}  // namespace dcopt

#include "dcopt/experiment/experiment_config.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/config_file.hpp"
#include "dcopt/experiment/problem_catalog.hpp"

namespace dcopt {
namespace {

ProblemFamily family_of(const std::string& kind, const std::string& context) {
  return find_problem_kind(kind, context).family;
}

StopConfig read_stop(const toml::table* t, const std::string& source, ProblemFamily family) {
  StopConfig stop;
  if (t == nullptr) return stop;
  Settings s = config_settings(*t, config_where(source, *t) + " [stop]");
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
    throw InvalidArgument(config_where(source, *n) +
                          ": method: expected an array of tables [[method]] (at least one)");
  }
  std::vector<MethodConfig> methods;
  std::set<std::string> labels;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& node = *arr->get(i);
    const std::string at = config_where(source, node) + " [[method]] #" + std::to_string(i);
    if (!node.is_table()) throw InvalidArgument(at + ": expected a table");
    Settings head = config_settings(*node.as_table(), at);
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
    m.settings = config_settings(
        *node.as_table(), at + " ('" + m.label + "', method '" + m.name + "')", {"name", "label"});
    methods.push_back(std::move(m));
  }
  return methods;
}

}  // namespace

ExperimentConfig parse_experiment_config(const std::string& text, const std::string& source,
                                         const std::vector<std::string>& overrides) {
  toml::table root = parse_config(text, source, overrides);

  ExperimentConfig cfg;
  cfg.source = source;
  cfg.echo_json = config_json(root);

  Settings top = config_settings(root, source, {"problem", "stop", "method", "output"});
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
  cfg.topology = parse_topology(top.string("topology", "allgather"), source);
  top.reject_unused();

  const toml::table* problem = config_sub_table(root, "problem", source, true);
  const std::string pctx = config_where(source, *problem) + " [problem]";
  cfg.problem.settings = config_settings(*problem, pctx, {"kind"}, true);
  Settings kind = config_settings(*problem, pctx, {}, true);
  if (!kind.has("kind")) {
    throw InvalidArgument(pctx + ": missing key 'kind'; valid: " + problem_kind_names());
  }
  cfg.problem.kind = kind.string("kind", "");
  cfg.problem.family = family_of(cfg.problem.kind, pctx);

  cfg.stop = read_stop(config_sub_table(root, "stop", source, false), source, cfg.problem.family);
  cfg.methods = read_methods(root, source);

  if (const toml::table* out = config_sub_table(root, "output", source, false)) {
    Settings s = config_settings(*out, config_where(source, *out) + " [output]");
    cfg.output.plots = s.boolean("plots", true);
    s.reject_unused();
  }
  return cfg;
}

ExperimentConfig load_experiment_config(const std::filesystem::path& path,
                                        const std::vector<std::string>& overrides) {
  return parse_experiment_config(read_config_file(path), path.string(), overrides);
}

}  // namespace dcopt

#include "dcopt/experiment/summary.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace dcopt {
namespace {

using nlohmann::json;

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json cost_json(const CostTotals& c) {
  return {{"bits_up", number(c.bits_up)},
          {"bits_down", number(c.bits_down)},
          {"oracle_calls", number(c.oracle_calls)},
          {"sample_grads", number(c.sample_grads)}};
}

json numbers(const std::map<std::string, double>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = number(v);
  return j;
}

}  // namespace

std::string summary_json(const ExperimentConfig& config, const RunResult& result,
                         const std::string& backend) {
  json j;
  j["name"] = config.name;
  j["config_file"] = config.source;
  j["config"] = json::parse(config.echo_json);
  j["seed"] = config.seed;
  j["workers"] = config.workers;
  j["backend"] = backend;
  j["topology"] = topology_name(config.topology);
  j["problem"] = {{"kind", config.problem.kind},
                  {"description", result.problem},
                  {"constants", numbers(result.problem_constants)}};
  j["units"] = {
      {"bits",
       "cumulative per worker, mean over workers, exact encoded message sizes; rounds "
       "1..N (initialization in init_cost)"},
      {"oracle_calls", "full local gradient/operator evaluations per worker, mean over workers"},
      {"wall_s", "rank 0's seconds in init and rounds, metric evaluations excluded"}};
  json methods = json::array();
  for (const auto& m : result.methods) {
    json final_metrics = json::object();
    for (std::size_t i = 0; i < result.metric_names.size() && i < m.final_row.metrics.size(); ++i) {
      final_metrics[result.metric_names[i]] = number(m.final_row.metrics[i]);
    }
    // The constants the method's theory stepsizes were computed from, next to the values used.
    json problem = json::object();
    for (const char* key : {"L_f", "L_tilde", "L_samples", "mu"}) {
      auto it = result.problem_constants.find(key);
      if (it != result.problem_constants.end()) problem[key] = number(it->second);
    }
    json theory = {{"parameters", numbers(m.parameters)}, {"problem_constants", problem}};
    json init = cost_json(m.init_cost);
    init["wall_s"] = number(m.init_wall_s);
    methods.push_back({{"label", m.label},
                       {"name", m.name},
                       {"codec", m.codec},
                       {"status", to_string(m.status)},
                       {"rounds", m.rounds},
                       {"final_metrics", final_metrics},
                       {"cumulative", cost_json(m.final_row.cost)},
                       {"init_cost", init},
                       {"wall_s", number(m.wall_s)},
                       {"eval_wall_s", number(m.eval_wall_s)},
                       {"transport_bytes_sent", number(m.transport_bytes_sent)},
                       {"theory", theory}});
  }
  j["methods"] = methods;
  return j.dump(2) + "\n";
}

}  // namespace dcopt

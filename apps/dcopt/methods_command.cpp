#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "dcopt/experiment/problem_catalog.hpp"
#include "dcopt/methods/method_catalog.hpp"

namespace dcopt::cli {
namespace {

int list_methods(bool json, bool keys_markdown) {
  if (keys_markdown) {
    std::printf("%s", method_keys_markdown().c_str());
    return 0;
  }
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : method_catalog()) {
      nlohmann::json keys = nlohmann::json::array();
      for (const auto& k : m.keys) keys.push_back({{"key", k.key}, {"meaning", k.meaning}});
      out.push_back({{"name", m.name},
                     {"kind", to_string(m.family)},
                     {"summary", m.summary},
                     {"default_codec", m.default_codec.empty() ? nlohmann::json(nullptr)
                                                               : nlohmann::json(m.default_codec)},
                     {"keys", keys}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  for (ProblemFamily family :
       {ProblemFamily::minimization, ProblemFamily::variational_inequality}) {
    const bool min = family == ProblemFamily::minimization;
    std::printf("%s%s (problem kinds %s):\n", min ? "" : "\n",
                min ? "minimization" : "variational inequalities",
                problem_kind_names(family).c_str());
    for (const auto& m : method_catalog()) {
      if (m.family == family) std::printf("  %-18s %s\n", m.name.c_str(), m.summary.c_str());
    }
  }
  std::printf(
      "\nSettings of each method: `dcopt methods --keys` (the table of docs/CONFIG.md), its "
      "header in src/dcopt/methods/.\n");
  return 0;
}

}  // namespace

void add_methods_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("methods", "List every optimization method by problem kind");
  auto json = std::make_shared<bool>(false);
  auto keys = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Machine-readable output (with each method's keys)");
  cmd->add_flag("--keys", *keys, "The method-key table as Markdown (embedded in docs/CONFIG.md)");
  cmd->callback(
      [&action, json, keys] { action = [json, keys] { return list_methods(*json, *keys); }; });
}

}  // namespace dcopt::cli

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "dcopt/methods/minimization/minimization_methods.hpp"
#include "dcopt/methods/vi/vi_methods.hpp"

namespace dcopt::cli {
namespace {

int list_methods(bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : minimization_methods()) {
      out.push_back({{"name", m.name}, {"kind", "minimization"}, {"summary", m.summary}});
    }
    for (const auto& m : vi_methods()) {
      out.push_back({{"name", m.name}, {"kind", "variational_inequality"}, {"summary", m.summary}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("minimization (problem kinds logistic, nonconvex_binary, quadratic):\n");
  for (const auto& m : minimization_methods()) {
    std::printf("  %-18s %s\n", m.name.c_str(), m.summary.c_str());
  }
  std::printf("\nvariational inequalities (problem kind bilinear):\n");
  for (const auto& m : vi_methods()) {
    std::printf("  %-18s %s\n", m.name.c_str(), m.summary.c_str());
  }
  std::printf("\nSettings of each method: its header in src/dcopt/methods/ and docs/CONFIG.md.\n");
  return 0;
}

}  // namespace

void add_methods_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("methods", "List every optimization method by problem kind");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([&action, json] { action = [json] { return list_methods(*json); }; });
}

}  // namespace dcopt::cli

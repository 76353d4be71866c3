#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "dcopt/compress/registry.hpp"

namespace dcopt::cli {
namespace {

// JSON has no infinity: constants that do not apply are written as null.
nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

int list_compressors(bool json, std::size_t dim) {
  const auto& catalog = codec_catalog();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& info : catalog) {
      nlohmann::json params = nlohmann::json::array();
      for (const auto& p : info.params) {
        params.push_back(
            {{"name", p.name}, {"default", p.default_value}, {"description", p.description}});
      }
      CompressorPtr c = info.make(CodecSpec::parse(info.examples.front()));
      CompressorProperties pr = c->properties(dim);
      out.push_back({{"name", info.name},
                     {"summary", info.summary},
                     {"theory", info.theory},
                     {"wire_bits", info.wire_bits},
                     {"params", params},
                     {"examples", info.examples},
                     {"at_dim",
                      {{"dim", dim},
                       {"spec", c->spec()},
                       {"unbiased", pr.unbiased},
                       {"omega", finite_or_null(pr.omega)},
                       {"delta", finite_or_null(pr.delta)},
                       {"expected_density", pr.expected_density},
                       {"deterministic", pr.deterministic}}}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  for (const auto& info : catalog) {
    std::printf("%s\n  %s\n  theory: %s\n  wire bits: %s (+ header: 8 bits codec id + varint d)\n",
                info.name.c_str(), info.summary.c_str(), info.theory.c_str(),
                info.wire_bits.c_str());
    for (const auto& p : info.params) {
      std::printf("  %-10s default %-8s %s\n", p.name.c_str(),
                  p.default_value.empty() ? "(none)" : p.default_value.c_str(),
                  p.description.c_str());
    }
    std::printf("  e.g. ");
    for (std::size_t i = 0; i < info.examples.size(); ++i) {
      std::printf("%s%s", i ? ", " : "", info.examples[i].c_str());
    }
    std::printf("\n\n");
  }
  return 0;
}

}  // namespace

void add_compressors_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("compressors", "List every codec, its parameters and theory");
  auto json = std::make_shared<bool>(false);
  auto dim = std::make_shared<std::size_t>(1000);
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->add_option("--dim", *dim, "Dimension at which to evaluate the constants in --json output")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  cmd->callback(
      [&action, json, dim] { action = [json, dim] { return list_compressors(*json, *dim); }; });
}

}  // namespace dcopt::cli

// Fuzz target: the experiment-file parser (experiment/experiment_config.hpp) on untrusted TOML.
// Input: [overrides: 1 byte, how many of the text's last lines are "path=value" overrides (0..3)]
//        [the text: the rest]
// Promise: the only exception is InvalidArgument (a TOML syntax error, an unknown key, a wrong
// type or range, a bad override), and an accepted configuration has what parsing guarantees: at
// least one method, unique labels, workers >= 1, eval_every >= 1.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/experiment_config.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dcopt::fuzz::broken;
  dcopt::fuzz::InputReader in(data, size);
  const int override_lines = in.byte() % 4;
  const auto rest = in.rest();
  std::string text(reinterpret_cast<const char*>(rest.data()), rest.size());
  std::vector<std::string> overrides;
  for (int i = 0; i < override_lines; ++i) {
    const auto nl = text.rfind('\n');
    if (nl == std::string::npos) break;
    overrides.insert(overrides.begin(), text.substr(nl + 1));
    text.erase(nl);
  }
  dcopt::ExperimentConfig config;
  if (!dcopt::fuzz::only_throws<dcopt::InvalidArgument>("parse_experiment_config", [&] {
        config = dcopt::parse_experiment_config(text, "<fuzz>", overrides);
      })) {
    return 0;
  }
  if (config.methods.empty()) broken("a configuration without methods was accepted");
  if (config.workers < 1) broken("a configuration with workers < 1 was accepted");
  if (config.stop.eval_every < 1) broken("a configuration with eval_every < 1 was accepted");
  std::set<std::string> labels;
  for (const auto& m : config.methods) {
    if (!labels.insert(m.label).second) broken("two methods with one label were accepted");
  }
  return 0;
}

#include "dcopt/experiment/experiment_hash.hpp"

#include <nlohmann/json.hpp>

#include "dcopt/core/fnv1a_hash.hpp"

namespace dcopt {

std::string experiment_hash_input(const ExperimentConfig& config) {
  // echo_json is the TOML tree after overrides; nlohmann's objects are ordered maps, so dump()
  // is canonical whatever the key order in the file.
  nlohmann::json j = nlohmann::json::parse(config.echo_json);
  j.erase("name");
  j.erase("output");
  return j.dump();
}

std::string experiment_hash(const ExperimentConfig& config) {
  return hex64(fnv1a64(experiment_hash_input(config)));
}

}  // namespace dcopt

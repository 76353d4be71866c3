#pragma once
// Reading a run's outputs in end-to-end tests, without what legitimately differs between two runs
// with the same numbers: the wall-clock column of metrics.csv and the wall-clock fields of
// summary.json.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/csv.hpp"

namespace dcopt::testing {

inline std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

/// metrics.csv without its wall_s column, one '|'-joined line per row (header included). Empty
/// if the file is missing.
inline std::vector<std::string> metrics_without_wall_clock(const std::filesystem::path& csv) {
  const std::vector<std::string> lines = read_lines(csv);
  std::vector<std::string> out;
  if (lines.empty()) return out;
  const std::vector<std::string> header = split_csv(lines[0]);
  std::size_t wall = header.size();
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "wall_s") wall = i;
  }
  for (const std::string& line : lines) {
    const std::vector<std::string> f = split_csv(line);
    std::string joined;
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (i == wall) continue;
      joined += (joined.empty() ? "" : "|") + f[i];
    }
    out.push_back(joined);
  }
  return out;
}

/// summary.json without the wall-clock fields (wall_s, init and evaluation seconds), at any
/// depth.
inline nlohmann::json summary_without_wall_clock(const std::filesystem::path& json_file) {
  std::ifstream f(json_file);
  nlohmann::json j = nlohmann::json::parse(f);
  auto strip = [](auto& self, nlohmann::json& node) -> void {
    if (node.is_object()) {
      for (const char* key : {"wall_s", "eval_wall_s", "init_wall_s"}) node.erase(key);
      for (auto& [key, value] : node.items()) self(self, value);
    } else if (node.is_array()) {
      for (auto& value : node) self(self, value);
    }
  };
  strip(strip, j);
  return j;
}

}  // namespace dcopt::testing

#pragma once
// The TOML plumbing every configuration file of dcopt shares (`dcopt run` experiment files,
// `dcopt train` training files): parsing with errors that name file, line and column, `--set`
// overrides by dotted path, flat tables as Settings, sub-tables with their line numbers, and the
// configuration as run echoed as JSON. What the keys mean belongs to each file's own reader.
#include <toml++/toml.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "dcopt/core/settings.hpp"

namespace dcopt {

/// The text of a configuration file; InvalidArgument naming the path if it cannot be read.
std::string read_config_file(const std::filesystem::path& path);

/// Parses TOML text (InvalidArgument "source:line:column: what") and applies `overrides`, each
/// "dotted.path=value" (value parsed as TOML; bare words are strings; array elements addressed
/// as "method.0.key"), in order.
toml::table parse_config(const std::string& text, const std::string& source,
                         const std::vector<std::string>& overrides);

/// "source:line" of a node (just `source` for nodes made by overrides).
std::string config_where(const std::string& source, const toml::node& node);

/// A flat TOML table as Settings under `context`, leaving out the keys in `skip`. Nested tables
/// and arrays are rejected naming the key (arrays of integers are settings where
/// `integer_lists` allows them).
Settings config_settings(const toml::table& t, const std::string& context,
                         const std::set<std::string>& skip = {}, bool integer_lists = false);

/// The table root[key]: nullptr if absent and not `required`; InvalidArgument if absent and
/// required, or if root[key] is not a table.
const toml::table* config_sub_table(const toml::table& root, const char* key,
                                    const std::string& source, bool required);

/// The configuration as JSON (for summary.json and experiment hashes).
std::string config_json(const toml::table& root);

}  // namespace dcopt

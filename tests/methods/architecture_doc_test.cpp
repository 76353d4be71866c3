// docs/ARCHITECTURE.md is where newcomers learn the exchange API: every name its "server is a
// role" section shows must be something the methods actually use, not dead code that only
// exchange.{hpp,cpp} still declares.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "support/run_command.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;

TEST(ArchitectureDoc, ExchangeNamesItShowsAreUsedByTheMethods) {
  const std::string doc = testing::slurp(std::string(DCOPT_SOURCE_DIR) + "/docs/ARCHITECTURE.md");
  const std::string heading = "## The server is a role";
  const auto begin = doc.find(heading);
  ASSERT_NE(begin, std::string::npos) << "section '" << heading << "' not found";
  const auto end = doc.find("\n## ", begin + heading.size());
  const std::string section = doc.substr(begin, end - begin);

  std::vector<std::string> names;  // `identifier` spans (paths like `methods/...` are skipped)
  const std::regex code("`([A-Za-z_][A-Za-z0-9_]*)`");
  for (std::sregex_iterator it(section.begin(), section.end(), code), e; it != e; ++it) {
    names.push_back((*it)[1]);
  }
  ASSERT_GE(names.size(), 4u) << section;

  std::string users;  // every methods/ source except the exchange block itself
  const fs::path root = fs::path(DCOPT_SOURCE_DIR) / "src/dcopt/methods";
  for (const auto& f : fs::recursive_directory_iterator(root)) {
    if (!f.is_regular_file() || f.path().stem() == "exchange") continue;
    users += testing::slurp(f.path().string());
  }
  for (const auto& name : names) {
    EXPECT_TRUE(std::regex_search(users, std::regex("\\b" + name + "\\b")))
        << "docs/ARCHITECTURE.md shows `" << name
        << "`, which no method or block outside exchange.* uses";
  }
}

}  // namespace
}  // namespace dcopt

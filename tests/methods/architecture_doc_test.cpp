// docs/ARCHITECTURE.md is where newcomers learn the exchange API: every name its "server is a
// role" section shows must be something the methods actually use, not dead code that only
// exchange.{hpp,cpp} still declares.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
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

  // `identifier` spans (paths like `methods/...` are skipped). Plain scanning, not std::regex:
  // GCC 12's <regex> trips -Wmaybe-uninitialized in the sanitizer build.
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::vector<std::string> names;
  for (std::size_t open = section.find('`'); open != std::string::npos;) {
    const std::size_t close = section.find('`', open + 1);
    if (close == std::string::npos) break;
    const std::string span = section.substr(open + 1, close - open - 1);
    const bool identifier = !span.empty() && !std::isdigit(static_cast<unsigned char>(span[0])) &&
                            std::all_of(span.begin(), span.end(), is_word);
    if (identifier) names.push_back(span);
    open = section.find('`', close + 1);
  }
  ASSERT_GE(names.size(), 4u) << section;

  std::string users;  // every methods/ source except the exchange block itself
  const fs::path root = fs::path(DCOPT_SOURCE_DIR) / "src/dcopt/methods";
  for (const auto& f : fs::recursive_directory_iterator(root)) {
    if (!f.is_regular_file() || f.path().stem() == "exchange") continue;
    users += testing::slurp(f.path().string());
  }
  for (const auto& name : names) {
    bool used = false;
    for (std::size_t at = users.find(name); at != std::string::npos && !used;
         at = users.find(name, at + 1)) {
      const bool starts = at == 0 || !is_word(users[at - 1]);
      const std::size_t end = at + name.size();
      used = starts && (end == users.size() || !is_word(users[end]));
    }
    EXPECT_TRUE(used) << "docs/ARCHITECTURE.md shows `" << name
                      << "`, which no method or block outside exchange.* uses";
  }
}

}  // namespace
}  // namespace dcopt

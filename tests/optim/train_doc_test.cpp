// docs/TRAIN.md embeds `dcopt optimizers --keys`; regenerate it when the keys change.
#include <gtest/gtest.h>

#include "dcopt/optim/optimizer_config.hpp"
#include "support/run_command.hpp"

namespace dcopt {
namespace {

TEST(TrainDoc, ShowsTheCurrentOptimizerKeyTable) {
  const std::string doc = testing::slurp(std::string(DCOPT_SOURCE_DIR) + "/docs/TRAIN.md");
  const std::string begin = "<!-- BEGIN dcopt optimizers --keys -->\n";
  const std::string end = "<!-- END dcopt optimizers --keys -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), optimizer_keys_markdown())
      << "docs/TRAIN.md is out of date: replace its key block with `dcopt optimizers --keys`";
  const auto r = testing::run_command(testing::dcopt_binary() + " optimizers --keys");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, optimizer_keys_markdown());
}

}  // namespace
}  // namespace dcopt

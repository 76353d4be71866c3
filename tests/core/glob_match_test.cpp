#include "dcopt/core/glob_match.hpp"

#include <gtest/gtest.h>

namespace dcopt {
namespace {

TEST(GlobMatch, LiteralsMatchOnlyThemselvesAndWholly) {
  EXPECT_TRUE(glob_match("fc.weight", "fc.weight"));
  EXPECT_FALSE(glob_match("fc.weight", "fc.weights"));
  EXPECT_FALSE(glob_match("fc.weight", "xfc.weight"));
  EXPECT_FALSE(glob_match("fc.weight", "fcXweight"));  // '.' is not a wildcard
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
  EXPECT_FALSE(glob_match("Fc.weight", "fc.weight"));  // case-sensitive
}

TEST(GlobMatch, StarMatchesAnyRunIncludingDotsAndNothing) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "encoder.layer.0.attention.q.weight"));
  EXPECT_TRUE(glob_match("*.bias", "encoder.layer.0.bias"));
  EXPECT_FALSE(glob_match("*.bias", "encoder.layer.0.bias.grad"));
  EXPECT_TRUE(glob_match("encoder.*.weight", "encoder.layer.0.attention.q.weight"));
  EXPECT_TRUE(glob_match("encoder.*weight", "encoder.weight"));
  EXPECT_FALSE(glob_match("encoder.*.weight", "encoder.weight"));
  EXPECT_TRUE(glob_match("a*b*c", "a__b__b__c"));
  EXPECT_FALSE(glob_match("a*b*c", "a__b__b__"));
  EXPECT_TRUE(glob_match("**x", "x"));
  // Backtracking past a partial match of what follows the star.
  EXPECT_TRUE(glob_match("*aab", "aaaab"));
  EXPECT_FALSE(glob_match("*aab", "aaaa"));
}

TEST(GlobMatch, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(glob_match("layer.?.bias", "layer.3.bias"));
  EXPECT_FALSE(glob_match("layer.?.bias", "layer.12.bias"));
  EXPECT_FALSE(glob_match("layer.?.bias", "layer..bias"));
  EXPECT_TRUE(glob_match("layer.??.*", "layer.12.bias"));
  EXPECT_FALSE(glob_match("?", ""));
}

}  // namespace
}  // namespace dcopt

#include "dcopt/optim/weight_decay_mask.hpp"

#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

ParamLayout bert_like() {
  return ParamLayout::packed({{"embed.weight", {4, 2}},
                              {"layer0.attn.weight", {2, 2}},
                              {"layer0.attn.bias", {2}},
                              {"layer0.norm1.weight", {2}},
                              {"layer0.norm1.bias", {2}},
                              {"conv.bn.weight", {2}},
                              {"head.weight", {2, 3}}});
}

TEST(WeightDecayMask, ExcludesTensorsByNameGlobs) {
  const std::vector<bool> mask = weight_decay_mask(bert_like(), {"*.bias", "*norm*", "*bn*"});
  EXPECT_EQ(mask, (std::vector<bool>{true, true, false, false, false, false, true}));
  EXPECT_EQ(weight_decay_mask(bert_like(), {"head.*"}),
            (std::vector<bool>{true, true, true, true, true, true, false}));
  EXPECT_EQ(weight_decay_mask(bert_like(), {}), std::vector<bool>(7, true));
  // Whole-name matching: "bias" alone matches no tensor.
  EXPECT_EQ(weight_decay_mask(bert_like(), {"bias"}), std::vector<bool>(7, true));
}

TEST(WeightDecayMask, DefaultsFollowTorchForSgdAdamAndTheLambSetupForAdamwLamb) {
  EXPECT_TRUE(default_no_decay("sgd").empty());
  EXPECT_TRUE(default_no_decay("adam").empty());
  const std::vector<std::string> usual{"*.bias", "*norm*", "*bn*"};
  EXPECT_EQ(default_no_decay("adamw"), usual);
  EXPECT_EQ(default_no_decay("lamb"), usual);
  EXPECT_THROW(default_no_decay("rmsprop"), InvalidArgument);
}

TEST(WeightDecayMask, ParsesCommaSeparatedPatterns) {
  EXPECT_EQ(parse_no_decay("*.bias, *norm*,*bn*"),
            (std::vector<std::string>{"*.bias", "*norm*", "*bn*"}));
  EXPECT_TRUE(parse_no_decay("").empty());
  EXPECT_TRUE(parse_no_decay("  ").empty());
  EXPECT_EQ(parse_no_decay(" head.* "), (std::vector<std::string>{"head.*"}));
  EXPECT_THROW(parse_no_decay("*.bias,,x"), InvalidArgument);
  EXPECT_THROW(parse_no_decay("*.bias,"), InvalidArgument);
}

}  // namespace
}  // namespace dcopt

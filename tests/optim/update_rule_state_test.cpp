// Every rule through the UpdateRule interface: a run saved after one step and resumed in a fresh
// rule continues bit for bit like the uninterrupted run; a state from another rule, spec or layout
// is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>

#include "dcopt/core/error.hpp"
#include "dcopt/optim/adam.hpp"
#include "dcopt/optim/lamb.hpp"
#include "dcopt/optim/sgd.hpp"
#include "optim/two_tensor_net.hpp"

namespace dcopt {
namespace {

using namespace optim_test;
using ::testing::HasSubstr;
using Make = std::function<std::unique_ptr<UpdateRule>(const ParamLayout&)>;

struct Case {
  std::string name;
  Make make;
};

std::vector<Case> cases() {
  return {
      {"sgd_momentum",
       [](const ParamLayout& l) {
         SgdOptions o;
         o.momentum = 0.9;
         o.weight_decay = 0.01;
         return std::make_unique<Sgd>(l, o);
       }},
      {"sgd_nesterov",
       [](const ParamLayout& l) {
         SgdOptions o;
         o.momentum = 0.5;
         o.nesterov = true;
         return std::make_unique<Sgd>(l, o);
       }},
      {"adam",
       [](const ParamLayout& l) {
         AdamOptions o;
         o.weight_decay = 0.1;
         return std::make_unique<Adam>(l, o);
       }},
      {"adamw",
       [](const ParamLayout& l) {
         AdamOptions o;
         o.decoupled = true;
         o.weight_decay = 0.1;
         return std::make_unique<Adam>(l, o);
       }},
      {"lamb", [](const ParamLayout& l) { return std::make_unique<Lamb>(l, LambOptions{}); }},
  };
}

TEST(UpdateRuleState, SaveLoadMidRunContinuesBitForBit) {
  const std::vector<std::vector<float>> grads{grad1(), grad2(), grad1(), grad2()};
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    // Uninterrupted: four steps.
    auto straight = c.make(two_tensor_layout());
    std::vector<float> p = start_params();
    for (const auto& g : grads) straight->step(p, g, 0.03);
    // Interrupted after two steps: state and parameters go to bytes, a fresh rule resumes.
    auto first = c.make(two_tensor_layout());
    std::vector<float> q = start_params();
    first->step(q, grads[0], 0.03);
    first->step(q, grads[1], 0.03);
    const std::vector<float> mid = q;
    const std::vector<std::uint8_t> state = saved(*first);
    first.reset();
    auto resumed = c.make(two_tensor_layout());
    load_into(*resumed, state);
    EXPECT_EQ(resumed->steps(), 2u);
    resumed->step(q, grads[2], 0.03);
    resumed->step(q, grads[3], 0.03);
    EXPECT_EQ(resumed->steps(), 4u);
    ASSERT_EQ(p.size(), q.size());
    EXPECT_EQ(std::memcmp(p.data(), q.data(), p.size() * sizeof(float)), 0);
    EXPECT_EQ(saved(*resumed), saved(*straight));
    // The state matters: a fresh rule continuing from the same parameters ends elsewhere.
    auto cold = c.make(two_tensor_layout());
    std::vector<float> r = mid;
    cold->step(r, grads[2], 0.03);
    cold->step(r, grads[3], 0.03);
    EXPECT_NE(std::memcmp(p.data(), r.data(), p.size() * sizeof(float)), 0);
  }
}

TEST(UpdateRuleState, StateOfAnotherLayoutIsADataError) {
  const ParamLayout other = ParamLayout::packed({{"w", {3, 2}}, {"b", {3}}});  // same size
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    auto a = c.make(two_tensor_layout());
    std::vector<float> p = start_params();
    a->step(p, grad1(), 0.01);
    auto b = c.make(other);
    try {
      load_into(*b, saved(*a));
      ADD_FAILURE() << "loaded a state of another layout";
    } catch (const DataError& e) {
      EXPECT_THAT(e.what(), HasSubstr("layout differs"));
    }
    EXPECT_EQ(b->steps(), 0u);  // unchanged
  }
}

TEST(UpdateRuleState, StateOfAnotherRuleOrSpecIsADataError) {
  const std::vector<Case> all = cases();
  for (const Case& from : all) {
    for (const Case& to : all) {
      if (from.name == to.name) continue;
      SCOPED_TRACE(from.name + " -> " + to.name);
      auto a = from.make(two_tensor_layout());
      auto b = to.make(two_tensor_layout());
      try {
        load_into(*b, saved(*a));
        ADD_FAILURE() << "loaded another rule's state";
      } catch (const DataError& e) {
        EXPECT_THAT(e.what(), HasSubstr("optimizer state was written by '" + a->spec()));
      }
    }
  }
  // Same rule, one hyperparameter different.
  AdamOptions o;
  Adam a(two_tensor_layout(), o);
  o.beta2 = 0.99;
  Adam b(two_tensor_layout(), o);
  EXPECT_THROW(load_into(b, saved(a)), DataError);
}

TEST(UpdateRuleState, TruncatedStateIsADataErrorAndLeavesTheRuleUnchanged) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    auto a = c.make(two_tensor_layout());
    std::vector<float> p = start_params();
    a->step(p, grad1(), 0.01);
    std::vector<std::uint8_t> bytes = saved(*a);
    bytes.resize(bytes.size() - 3);
    auto b = c.make(two_tensor_layout());
    const std::vector<std::uint8_t> before = saved(*b);
    EXPECT_THROW(load_into(*b, bytes), DataError);
    EXPECT_EQ(saved(*b), before);
  }
}

TEST(UpdateRuleState, SpecsAreCanonical) {
  Sgd sgd(two_tensor_layout(), {});
  EXPECT_EQ(sgd.spec(),
            "sgd(momentum=0, dampening=0, nesterov=false, weight_decay=0, no_decay=[])");
  AdamOptions o;
  o.decoupled = true;
  o.weight_decay = 0.01;
  o.no_decay = {"*.bias", "*norm*"};
  EXPECT_EQ(Adam(two_tensor_layout(), o).spec(),
            "adamw(beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01, no_decay=[*.bias, "
            "*norm*])");
  EXPECT_EQ(Lamb(two_tensor_layout(), {}).spec(),
            "lamb(beta1=0.9, beta2=0.999, eps=1e-06, weight_decay=0.01, bias_correction=true, "
            "trust_clip_min=0, trust_clip_max=inf, no_decay=[*.bias, *norm*, *bn*])");
}

}  // namespace
}  // namespace dcopt

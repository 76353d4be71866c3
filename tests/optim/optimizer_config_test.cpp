#include "dcopt/optim/optimizer_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "dcopt/core/error.hpp"
#include "dcopt/optim/adam.hpp"
#include "dcopt/optim/lamb.hpp"
#include "dcopt/optim/sgd.hpp"
#include "optim/two_tensor_net.hpp"

namespace dcopt {
namespace {

using namespace optim_test;
using ::testing::AllOf;
using ::testing::HasSubstr;

Settings named(const std::string& name) {
  Settings s("optimizer in run.toml");
  s.set("name", name);
  return s;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(no InvalidArgument)";
}

TEST(OptimizerConfig, BuildsEachRuleWithItsDefaults) {
  const ParamLayout layout = two_tensor_layout();
  for (const std::string& name : update_rule_names()) {
    auto rule = make_update_rule(named(name), layout);
    EXPECT_EQ(rule->name(), name);
    EXPECT_EQ(rule->layout(), layout);
  }
  auto adamw = make_update_rule(named("adamw"), layout);
  const auto& o = dynamic_cast<const Adam&>(*adamw).options();
  EXPECT_EQ(o.weight_decay, 0.01);  // torch's AdamW default
  EXPECT_EQ(o.eps, 1e-8);
  EXPECT_EQ(o.no_decay, (std::vector<std::string>{"*.bias", "*norm*", "*bn*"}));
  auto adam = make_update_rule(named("adam"), layout);
  EXPECT_EQ(dynamic_cast<const Adam&>(*adam).options().weight_decay, 0.0);
  EXPECT_TRUE(dynamic_cast<const Adam&>(*adam).options().no_decay.empty());
  auto lamb = make_update_rule(named("lamb"), layout);
  EXPECT_EQ(dynamic_cast<const Lamb&>(*lamb).options().eps, 1e-6);
}

TEST(OptimizerConfig, ReadsTheOptionsOfTheNamedRule) {
  Settings s = named("sgd");
  s.set("momentum", 0.9);
  s.set("nesterov", true);
  s.set("weight_decay", 0.001);
  s.set("no_decay", std::string("b, *.bias"));
  auto rule = make_update_rule(s, two_tensor_layout());
  const SgdOptions& o = dynamic_cast<const Sgd&>(*rule).options();
  EXPECT_EQ(o.momentum, 0.9);
  EXPECT_TRUE(o.nesterov);
  EXPECT_EQ(o.weight_decay, 0.001);
  EXPECT_EQ(o.no_decay, (std::vector<std::string>{"b", "*.bias"}));
  s.reject_unused();  // everything given was read

  Settings l = named("lamb");
  l.set("trust_clip_max", 10.0);
  l.set("bias_correction", false);
  l.set("no_decay", std::string(""));  // explicitly none
  auto lamb = make_update_rule(l, two_tensor_layout());
  const LambOptions& lo = dynamic_cast<const Lamb&>(*lamb).options();
  EXPECT_EQ(lo.trust_clip_max, 10.0);
  EXPECT_FALSE(lo.bias_correction);
  EXPECT_TRUE(lo.no_decay.empty());
}

TEST(OptimizerConfig, KeysOfAnotherRuleAreLeftForRejectUnused) {
  Settings s = named("adam");
  s.set("momentum", 0.9);  // an sgd key: adam does not read it
  make_update_rule(s, two_tensor_layout());
  EXPECT_THAT(error_of([&] { s.reject_unused(); }), HasSubstr("unknown key 'momentum'"));
}

TEST(OptimizerConfig, BadValuesNameTheKeyTheValueAndWhatIsValid) {
  const ParamLayout layout = two_tensor_layout();
  EXPECT_THAT(error_of([&] { make_update_rule(named("rmsprop"), layout); }),
              AllOf(HasSubstr("optimizer in run.toml"), HasSubstr("name = \"rmsprop\""),
                    HasSubstr("sgd, adam, adamw, lamb")));
  EXPECT_THAT(error_of([&] { make_update_rule(Settings("opt"), layout); }),
              AllOf(HasSubstr("name is missing"), HasSubstr("sgd, adam, adamw, lamb")));
  Settings nesterov = named("sgd");
  nesterov.set("nesterov", true);
  EXPECT_THAT(error_of([&] { make_update_rule(nesterov, layout); }),
              AllOf(HasSubstr("optimizer in run.toml"),
                    HasSubstr("nesterov = true requires momentum > 0")));
  for (double beta1 : {1.0, -0.5, 1.5}) {
    Settings b = named("lamb");
    b.set("beta1", beta1);
    EXPECT_THAT(error_of([&] { make_update_rule(b, layout); }),
                AllOf(HasSubstr("optimizer in run.toml: lamb: beta1 = "),
                      HasSubstr("valid: 0 <= beta1 < 1")));
  }
  Settings wrong_type = named("adam");
  wrong_type.set("beta2", std::string("high"));
  EXPECT_THAT(error_of([&] { make_update_rule(wrong_type, layout); }),
              AllOf(HasSubstr("beta2"), HasSubstr("expected a number")));
  Settings bad_glob = named("adamw");
  bad_glob.set("no_decay", std::string("*.bias,,b"));
  EXPECT_THAT(error_of([&] { make_update_rule(bad_glob, layout); }),
              AllOf(HasSubstr("optimizer in run.toml: no_decay"), HasSubstr("empty pattern")));
}

TEST(OptimizerConfig, ReadsTheScheduleAndClipping) {
  Settings s("opt");
  s.set("lr", 0.4);
  s.set("schedule", std::string("cosine"));
  s.set("warmup_steps", std::int64_t{4});
  s.set("min_lr", 0.0);
  s.set("clip_grad_norm", 1.0);
  const LrSchedule sched = read_lr_schedule(s, 14);
  EXPECT_EQ(sched.text(), "cosine(lr=0.4, warmup_steps=4, total_steps=14, min_lr=0)");
  EXPECT_EQ(sched.lr(0), 0.1);
  EXPECT_EQ(read_clip_grad_norm(s), 1.0);
  s.reject_unused();
  EXPECT_EQ(read_clip_grad_norm(Settings("opt")), 0.0);  // off by default
  EXPECT_EQ(read_lr_schedule(Settings("opt"), 0).text(), "constant(lr=0.001, warmup_steps=0)");

  Settings bad("opt");
  bad.set("schedule", std::string("exponential"));
  EXPECT_THAT(
      error_of([&] { read_lr_schedule(bad, 10); }),
      AllOf(HasSubstr("schedule = \"exponential\""), HasSubstr("constant, step, linear, cosine")));
  Settings short_run("opt");
  short_run.set("schedule", std::string("linear"));
  short_run.set("warmup_steps", std::int64_t{10});
  EXPECT_THAT(error_of([&] { read_lr_schedule(short_run, 10); }),
              AllOf(HasSubstr("opt: lr schedule"), HasSubstr("total_steps > warmup_steps")));
  Settings neg("opt");
  neg.set("clip_grad_norm", -1.0);
  EXPECT_THAT(error_of([&] { read_clip_grad_norm(neg); }), HasSubstr("clip_grad_norm"));
}

TEST(OptimizerConfig, WarmupFractionIsAShareOfTheRunsSteps) {
  Settings s("opt");
  s.set("schedule", std::string("linear"));
  s.set("warmup_fraction", 0.1);
  s.set("lr", 1.0);
  const LrSchedule sched = read_lr_schedule(s, 105);  // floor(10.5) = 10 warm-up steps
  EXPECT_EQ(sched.text(), "linear(lr=1, warmup_steps=10, total_steps=105, min_lr=0)");
  EXPECT_EQ(sched.lr(0), 0.1);
  EXPECT_EQ(sched.lr(9), 1.0);
  Settings both("opt");
  both.set("warmup_fraction", 0.1);
  both.set("warmup_steps", std::int64_t{3});
  EXPECT_THAT(error_of([&] { read_lr_schedule(both, 100); }),
              AllOf(HasSubstr("warmup_steps and warmup_fraction"), HasSubstr("one of them")));
  Settings big("opt");
  big.set("warmup_fraction", 1.5);
  EXPECT_THAT(error_of([&] { read_lr_schedule(big, 100); }), HasSubstr("warmup_fraction"));
}

TEST(OptimizerConfig, LrScalingMovesTheRateToTheRunsBatch) {
  Settings s("opt");
  s.set("lr", 1e-4);
  s.set("lr_scaling", std::string("sqrt"));
  EXPECT_DOUBLE_EQ(read_lr_schedule(s, 10, 512).lr(0), 4e-4);  // sqrt(512 / 32) = 4
  Settings lin("opt");
  lin.set("lr", 1e-4);
  lin.set("lr_scaling", std::string("linear"));
  lin.set("lr_base_batch", std::int64_t{64});
  EXPECT_DOUBLE_EQ(read_lr_schedule(lin, 10, 512).lr(0), 8e-4);
  EXPECT_EQ(read_lr_schedule(Settings("opt"), 10, 512).lr(0), 1e-3);  // none by default
  EXPECT_THAT(error_of([&] { read_lr_schedule(s, 10); }),
              AllOf(HasSubstr("lr_scaling = \"sqrt\""), HasSubstr("batch size")));
}

TEST(OptimizerConfig, DocumentedKeysAreExactlyTheKeysTheReadersAskFor) {
  std::set<std::string> read;
  auto collect = [&](const Settings& s) {
    for (const auto& k : s.read_keys()) read.insert(k);
  };
  for (const std::string& name : update_rule_names()) {
    Settings s = named(name);
    make_update_rule(s, two_tensor_layout());
    collect(s);
  }
  for (const char* sched : {"constant", "step", "linear", "cosine"}) {
    Settings s("opt");
    s.set("schedule", std::string(sched));
    read_lr_schedule(s, 100);
    collect(s);
  }
  Settings c("opt");
  read_clip_grad_norm(c);
  collect(c);
  std::set<std::string> documented;
  for (const auto& k : optimizer_keys()) {
    EXPECT_TRUE(documented.insert(k.key).second) << "documented twice: " << k.key;
    EXPECT_FALSE(k.meaning.empty()) << k.key;
  }
  EXPECT_EQ(read, documented);
}

TEST(OptimizerConfig, MarkdownTableListsEveryKey) {
  const std::string md = optimizer_keys_markdown();
  EXPECT_EQ(md.rfind("| key | meaning |\n|---|---|\n", 0), 0u);
  for (const auto& k : optimizer_keys()) EXPECT_THAT(md, HasSubstr("| `" + k.key + "` | "));
}

}  // namespace
}  // namespace dcopt

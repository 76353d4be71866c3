#include "dcopt/optim/lr_schedule.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

LrScheduleSpec spec(LrDecay d, double lr, std::uint64_t warmup, std::uint64_t total) {
  LrScheduleSpec s;
  s.decay = d;
  s.lr = lr;
  s.warmup_steps = warmup;
  s.total_steps = total;
  return s;
}

TEST(LrSchedule, ConstantIsConstant) {
  const LrSchedule s = LrSchedule::constant(0.1);
  EXPECT_EQ(s.lr(0), 0.1);
  EXPECT_EQ(s.lr(123456789), 0.1);
  EXPECT_EQ(s.text(), "constant(lr=0.1, warmup_steps=0)");
}

TEST(LrSchedule, StepDecayMultipliesByGammaEveryStepSize) {
  LrScheduleSpec p = spec(LrDecay::step, 0.5, 0, 0);
  p.step_size = 3;
  p.gamma = 0.5;
  const LrSchedule s(p);
  EXPECT_EQ(s.lr(0), 0.5);
  EXPECT_EQ(s.lr(2), 0.5);
  EXPECT_EQ(s.lr(3), 0.25);
  EXPECT_EQ(s.lr(5), 0.25);
  EXPECT_EQ(s.lr(6), 0.125);
  EXPECT_EQ(s.lr(30), 0.5 * std::pow(0.5, 10));
  EXPECT_EQ(s.text(), "step(lr=0.5, warmup_steps=0, step_size=3, gamma=0.5)");
}

TEST(LrSchedule, CosineRunsFromLrToMinLr) {
  LrScheduleSpec p = spec(LrDecay::cosine, 0.1, 0, 100);
  p.min_lr = 0.001;
  const LrSchedule s(p);
  // min_lr + (lr - min_lr) need not round back to lr: a few ulps.
  EXPECT_DOUBLE_EQ(s.lr(0), 0.1);
  // Halfway: the midpoint (cos(pi/2) is 6e-17, not 0, and a few roundings of 7e-18 each).
  EXPECT_NEAR(s.lr(50), (0.1 + 0.001) / 2, 1e-16);
  EXPECT_EQ(s.lr(100), 0.001);
  EXPECT_EQ(s.lr(1000), 0.001);  // stays at min_lr past the end
  EXPECT_EQ(s.lr(25), 0.001 + (0.1 - 0.001) * (1.0 + std::cos(std::numbers::pi * 0.25)) / 2.0);
}

TEST(LrSchedule, WarmupRampsLinearlyThenDecays) {
  const LrSchedule lin(spec(LrDecay::linear, 0.4, 4, 14));
  // lr * (s + 1) / W for s < W.
  EXPECT_EQ(lin.lr(0), 0.1);
  EXPECT_EQ(lin.lr(1), 0.2);
  EXPECT_EQ(lin.lr(3), 0.4);
  // Then linear from 0.4 at step 4 to min_lr = 0 at step 14.
  EXPECT_EQ(lin.lr(4), 0.4);
  EXPECT_NEAR(lin.lr(9), 0.2, 1e-16);
  EXPECT_EQ(lin.lr(14), 0.0);
  EXPECT_EQ(lin.lr(20), 0.0);

  const LrSchedule cos(spec(LrDecay::cosine, 0.4, 4, 14));
  EXPECT_EQ(cos.lr(1), 0.2);
  EXPECT_EQ(cos.lr(4), 0.4);
  EXPECT_EQ(cos.lr(14), 0.0);
  EXPECT_EQ(cos.text(), "cosine(lr=0.4, warmup_steps=4, total_steps=14, min_lr=0)");

  // Warm-up in front of a constant rate.
  const LrSchedule flat(spec(LrDecay::constant, 1.0, 2, 0));
  EXPECT_EQ(flat.lr(0), 0.5);
  EXPECT_EQ(flat.lr(1), 1.0);
  EXPECT_EQ(flat.lr(7), 1.0);
}

TEST(LrSchedule, InvalidSpecsNameTheField) {
  auto error = [](LrScheduleSpec p) -> std::string {
    try {
      LrSchedule s(p);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_THAT(error(spec(LrDecay::constant, 0.0, 0, 0)), HasSubstr("lr = 0; valid: lr > 0"));
  EXPECT_THAT(error(spec(LrDecay::cosine, 0.1, 10, 10)), HasSubstr("total_steps > warmup_steps"));
  LrScheduleSpec p = spec(LrDecay::step, 0.1, 0, 0);
  p.gamma = 1.5;
  EXPECT_THAT(error(p), HasSubstr("gamma = 1.5; valid: 0 < gamma <= 1"));
  p = spec(LrDecay::linear, 0.1, 0, 10);
  p.min_lr = 0.2;
  EXPECT_THAT(error(p), HasSubstr("min_lr = 0.2"));
}

}  // namespace
}  // namespace dcopt

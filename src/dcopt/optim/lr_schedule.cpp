#include "dcopt/optim/lr_schedule.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "dcopt/core/error.hpp"
#include "dcopt/optim/spec_text.hpp"

namespace dcopt {

const char* to_string(LrDecay d) {
  switch (d) {
    case LrDecay::constant: return "constant";
    case LrDecay::step: return "step";
    case LrDecay::linear: return "linear";
    case LrDecay::cosine: return "cosine";
  }
  return "?";
}

LrSchedule::LrSchedule(LrScheduleSpec spec) : spec_(spec) {
  auto fail = [](const std::string& what) { throw InvalidArgument("lr schedule: " + what); };
  const LrScheduleSpec& s = spec_;
  if (!(std::isfinite(s.lr) && s.lr > 0)) fail(fmt::format("lr = {}; valid: lr > 0", s.lr));
  if (s.decay == LrDecay::step) {
    if (s.step_size < 1) fail("step_size = 0; valid: step_size >= 1");
    if (!(std::isfinite(s.gamma) && s.gamma > 0 && s.gamma <= 1)) {
      fail(fmt::format("gamma = {}; valid: 0 < gamma <= 1", s.gamma));
    }
  }
  if (s.decay == LrDecay::linear || s.decay == LrDecay::cosine) {
    if (!(std::isfinite(s.min_lr) && s.min_lr >= 0 && s.min_lr <= s.lr)) {
      fail(fmt::format("min_lr = {}; valid: 0 <= min_lr <= lr (= {})", s.min_lr, s.lr));
    }
    if (s.total_steps <= s.warmup_steps) {
      fail(fmt::format(
          "a {} schedule over total_steps = {} with warmup_steps = {}; valid: total_steps > "
          "warmup_steps",
          to_string(s.decay), s.total_steps, s.warmup_steps));
    }
  }
}

LrSchedule LrSchedule::constant(double lr) {
  LrScheduleSpec s;
  s.lr = lr;
  return LrSchedule(s);
}

double LrSchedule::lr(std::uint64_t step) const {
  const LrScheduleSpec& s = spec_;
  if (step < s.warmup_steps) {
    return s.lr * static_cast<double>(step + 1) / static_cast<double>(s.warmup_steps);
  }
  const std::uint64_t after = step - s.warmup_steps;
  switch (s.decay) {
    case LrDecay::constant: return s.lr;
    case LrDecay::step: return s.lr * std::pow(s.gamma, static_cast<double>(after / s.step_size));
    case LrDecay::linear:
    case LrDecay::cosine: {
      const std::uint64_t span = s.total_steps - s.warmup_steps;
      const double p = after >= span ? 1.0 : static_cast<double>(after) / static_cast<double>(span);
      if (s.decay == LrDecay::linear) return s.lr + (s.min_lr - s.lr) * p;
      return s.min_lr + (s.lr - s.min_lr) * (1.0 + std::cos(std::numbers::pi * p)) / 2.0;
    }
  }
  return s.lr;
}

std::string LrSchedule::text() const {
  const LrScheduleSpec& s = spec_;
  SpecText t(to_string(s.decay));
  t.add("lr", s.lr).add("warmup_steps", s.warmup_steps);
  if (s.decay == LrDecay::step) t.add("step_size", s.step_size).add("gamma", s.gamma);
  if (s.decay == LrDecay::linear || s.decay == LrDecay::cosine) {
    t.add("total_steps", s.total_steps).add("min_lr", s.min_lr);
  }
  return t.text();
}

}  // namespace dcopt

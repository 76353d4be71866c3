#pragma once
// LrSchedule: the learning rate as a pure function of the step (counted from 0: step 0 is the
// first update), so a resumed run needs no schedule state, only its step count.
//
//   warm-up (warmup_steps = W > 0):  lr(s) = lr * (s + 1) / W            for s < W
//   then, with s' = s - W:
//     constant:  lr
//     step:      lr * gamma^floor(s' / step_size)                   (torch's StepLR)
//     linear:    lr + (min_lr - lr) * p,                            p = min(1, s' / (T - W))
//     cosine:    min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2     (torch's CosineAnnealingLR)
// T = total_steps; linear and cosine reach min_lr at step T and stay there. Without warm-up,
// "cosine" runs from lr at step 0 to min_lr at step T.
#include <cstdint>
#include <string>

namespace dcopt {

enum class LrDecay { constant, step, linear, cosine };

/// "constant", "step", "linear", "cosine".
const char* to_string(LrDecay d);

struct LrScheduleSpec {
  LrDecay decay = LrDecay::constant;
  double lr = 1e-3;                ///< base learning rate, > 0
  std::uint64_t warmup_steps = 0;  ///< W; 0: no warm-up
  std::uint64_t total_steps = 0;   ///< T; linear and cosine need T > W
  std::uint64_t step_size = 1;     ///< step: steps between decays, >= 1
  double gamma = 0.1;              ///< step: factor per decay, in (0, 1]
  double min_lr = 0.0;             ///< linear, cosine: final rate, in [0, lr]
};

class LrSchedule {
 public:
  /// A constant rate of 1e-3.
  LrSchedule() : LrSchedule(LrScheduleSpec{}) {}
  /// InvalidArgument naming the field, its value and what is valid.
  explicit LrSchedule(LrScheduleSpec spec);
  static LrSchedule constant(double lr);

  /// The rate of step `step` (from 0).
  double lr(std::uint64_t step) const;
  /// Canonical text, e.g. "cosine(lr=0.1, warmup_steps=5, total_steps=100, min_lr=0)" (only the
  /// fields the decay uses).
  std::string text() const;
  const LrScheduleSpec& spec() const { return spec_; }

 private:
  LrScheduleSpec spec_;
};

}  // namespace dcopt

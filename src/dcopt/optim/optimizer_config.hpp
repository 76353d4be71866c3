#pragma once
// The optimizer of a training run from settings: the update rule, the learning-rate schedule and
// gradient clipping, each read by its own function from one table. Every key is documented once
// in optimizer_keys() (the table of docs/CONFIG.md is generated from it, and a test checks it
// against the keys the readers actually ask for).
//
// A reader asks only for the keys that apply (make_update_rule reads `momentum` for sgd only,
// read_lr_schedule reads `min_lr` for linear and cosine only), so a caller that calls
// Settings::reject_unused() after all three rejects keys that would be silently ignored. The
// readers themselves never call it: the caller's table holds other keys too.
//
// Errors: InvalidArgument naming the settings' context, the key, the value and what is valid.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dcopt/core/param_layout.hpp"
#include "dcopt/core/settings.hpp"
#include "dcopt/optim/lr_schedule.hpp"
#include "dcopt/optim/update_rule.hpp"

namespace dcopt {

/// A key the optimizer readers know.
struct OptimizerKey {
  std::string key;
  std::string meaning;  ///< what it is, which rules read it, its default and valid values
};

/// Every key of make_update_rule, read_lr_schedule and read_clip_grad_norm, in table order.
const std::vector<OptimizerKey>& optimizer_keys();

/// "sgd", "adam", "adamw", "lamb", "normalized".
const std::vector<std::string>& update_rule_names();

/// The update rule named by the required key `name`, with its options from `s` and its
/// weight-decay mask over `layout`.
std::unique_ptr<UpdateRule> make_update_rule(const Settings& s, const ParamLayout& layout);

/// The schedule: `lr`, `schedule` (constant | step | linear | cosine, after an optional linear
/// warm-up of `warmup_steps`), and the keys of that schedule. `total_steps` is the run's number of
/// updates (linear and cosine end at it; unused by constant and step). `lr_scaling` = sqrt or
/// linear multiplies `lr` by sqrt(B / B0) or B / B0 with B = `global_batch` (the samples of one
/// update, over all workers) and B0 = `lr_base_batch` (Krizhevsky's and Goyal et al.'s rules for
/// moving a tuned small-batch rate to a large batch); it needs global_batch > 0 (InvalidArgument
/// otherwise).
LrSchedule read_lr_schedule(const Settings& s, std::uint64_t total_steps,
                            std::uint64_t global_batch = 0);

/// `clip_grad_norm`: the max_norm of clip_global_norm, 0 (the default) = no clipping.
double read_clip_grad_norm(const Settings& s);

/// The key table of docs/CONFIG.md (Markdown), generated from optimizer_keys().
std::string optimizer_keys_markdown();

}  // namespace dcopt

#include "dcopt/optim/optimizer_config.hpp"

#include <cmath>
#include <limits>

#include "dcopt/core/error.hpp"
#include "dcopt/optim/adam.hpp"
#include "dcopt/optim/lamb.hpp"
#include "dcopt/optim/normalized_update.hpp"
#include "dcopt/optim/sgd.hpp"
#include "dcopt/optim/weight_decay_mask.hpp"

namespace dcopt {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The option structs validate their own ranges and cross-field rules; here their messages get
// the settings' context, so that the user learns where the bad value came from.
template <class Make>
auto in_context(const Settings& s, Make make) {
  try {
    return make();
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(s.context() + ": " + e.what());
  }
}

std::vector<std::string> read_no_decay(const Settings& s, const std::string& rule) {
  const bool given = s.has("no_decay");
  const std::string text = s.string("no_decay", "");  // marks the key read even when absent
  if (!given) return default_no_decay(rule);
  return in_context(s, [&] {
    try {
      return parse_no_decay(text);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("no_decay: ") + e.what());
    }
  });
}

}  // namespace

const std::vector<OptimizerKey>& optimizer_keys() {
  static const std::vector<OptimizerKey> keys = {
      {"name",
       "update rule (required): `sgd`, `adam`, `adamw`, `lamb` or `normalized` (ScaLA's "
       "groupwise normalized step)"},
      {"lr", "base learning rate, > 0 (default 0.001)"},
      {"schedule",
       "`constant` (default), `step` (lr * gamma^floor(s/step_size)), `linear` (to min_lr at the "
       "last step) or `cosine` (to min_lr at the last step); after the warm-up, if any"},
      {"warmup_steps",
       "linear warm-up lr * (s+1)/W over the first W steps before any schedule, W >= 0 (default "
       "0: none); linear and cosine then decay over the remaining steps"},
      {"warmup_fraction",
       "the warm-up as a fraction of the run's steps, 0 <= f <= 1 (W = floor(f * steps); BERT's "
       "and ScaLA's 0.1); instead of warmup_steps"},
      {"lr_scaling",
       "`none` (default), `sqrt` or `linear`: lr is multiplied by sqrt(B/B0) or B/B0, B the "
       "samples of one update over all workers (train: batch * workers), B0 = lr_base_batch"},
      {"lr_base_batch", "the batch B0 `lr` was tuned for, >= 1 (default 32)"},
      {"step_size", "`step` schedule: steps between decays, >= 1 (default 1)"},
      {"gamma", "`step` schedule: factor per decay, 0 < gamma <= 1 (default 0.1)"},
      {"min_lr", "`linear`, `cosine`: final rate, 0 <= min_lr <= lr (default 0)"},
      {"clip_grad_norm",
       "clip the aggregated gradient to this global 2-norm before the update "
       "(torch's clip_grad_norm_), > 0; 0 = off (default)"},
      {"momentum", "sgd: mu >= 0 (default 0: plain SGD)"},
      {"dampening", "sgd: momentum dampening, 0 <= dampening <= 1 (default 0)"},
      {"nesterov", "sgd: Nesterov momentum, needs momentum > 0 and dampening = 0 (default false)"},
      {"weight_decay",
       "sgd, adam: coupled (added to the gradient), adamw: decoupled (p *= 1 - lr*wd), lamb: "
       "inside the trust-ratio direction; >= 0 (default 0 for sgd and adam, 0.01 for adamw and "
       "lamb)"},
      {"beta1", "adam, adamw, lamb: first-moment decay, 0 <= beta1 < 1 (default 0.9)"},
      {"beta2", "adam, adamw, lamb: second-moment decay, 0 <= beta2 < 1 (default 0.999)"},
      {"eps",
       "adam, adamw, lamb: denominator term, > 0 (default 1e-8 for adam and adamw, 1e-6 for "
       "lamb)"},
      {"bias_correction", "lamb: divide the moments by 1 - beta^t (default true)"},
      {"trust_clip_min", "lamb: lower clip of phi(||x||) in the trust ratio, >= 0 (default 0)"},
      {"trust_clip_max",
       "lamb: upper clip of phi(||x||), >= trust_clip_min (default none: phi is the identity)"},
      {"no_decay",
       "tensor-name globs exempt from weight decay, separated by ',', e.g. \"*.bias, *norm*\"; "
       "\"\" exempts none (default: none for sgd and adam, \"*.bias, *norm*, *bn*\" for adamw "
       "and lamb; normalized has no weight decay)"},
      {"nu_min",
       "normalized: L, the lower clip of nu(c) = max(L, min(c, U)) in the per-tensor step x -= lr "
       "* nu(norm of x) * g / (norm of g), >= 0 (default 0: a zero tensor never moves)"},
      {"nu_max", "normalized: U, the upper clip of nu, > nu_min (default 10)"},
  };
  return keys;
}

const std::vector<std::string>& update_rule_names() {
  static const std::vector<std::string> names = {"sgd", "adam", "adamw", "lamb", "normalized"};
  return names;
}

std::unique_ptr<UpdateRule> make_update_rule(const Settings& s, const ParamLayout& layout) {
  if (!s.has("name")) {
    throw InvalidArgument(s.context() + ": name is missing; valid: " + joined(update_rule_names()));
  }
  const std::string name = s.choice("name", "", update_rule_names());
  if (name == "sgd") {
    SgdOptions o;
    o.momentum = s.number("momentum", 0.0);
    o.dampening = s.number("dampening", 0.0);
    o.nesterov = s.boolean("nesterov", false);
    o.weight_decay = s.number("weight_decay", 0.0);
    o.no_decay = read_no_decay(s, name);
    return in_context(s, [&] { return std::make_unique<Sgd>(layout, std::move(o)); });
  }
  if (name == "adam" || name == "adamw") {
    AdamOptions o;
    o.decoupled = name == "adamw";
    o.beta1 = s.number("beta1", 0.9);
    o.beta2 = s.number("beta2", 0.999);
    o.eps = s.number("eps", 1e-8);
    o.weight_decay = s.number("weight_decay", o.decoupled ? 0.01 : 0.0);
    o.no_decay = read_no_decay(s, name);
    return in_context(s, [&] { return std::make_unique<Adam>(layout, std::move(o)); });
  }
  if (name == "normalized") {
    NormalizedUpdateOptions o;
    o.nu_min = s.number("nu_min", 0.0);
    o.nu_max = s.number("nu_max", 10.0);
    return in_context(s, [&] { return std::make_unique<NormalizedUpdate>(layout, o); });
  }
  LambOptions o;
  o.beta1 = s.number("beta1", 0.9);
  o.beta2 = s.number("beta2", 0.999);
  o.eps = s.number("eps", 1e-6);
  o.weight_decay = s.number("weight_decay", 0.01);
  o.bias_correction = s.boolean("bias_correction", true);
  o.trust_clip_min = s.number("trust_clip_min", 0.0);
  o.trust_clip_max =
      s.optional_number("trust_clip_max").value_or(std::numeric_limits<double>::infinity());
  o.no_decay = read_no_decay(s, name);
  return in_context(s, [&] { return std::make_unique<Lamb>(layout, std::move(o)); });
}

LrSchedule read_lr_schedule(const Settings& s, std::uint64_t total_steps,
                            std::uint64_t global_batch) {
  LrScheduleSpec spec;
  spec.lr = s.number("lr", 1e-3);
  const std::string scaling = s.choice("lr_scaling", "none", {"none", "sqrt", "linear"});
  const double base =
      static_cast<double>(s.integer("lr_base_batch", 32, 1));  // read even if unused
  if (scaling != "none") {
    if (global_batch == 0) {
      throw InvalidArgument(s.context() + ": lr_scaling = \"" + scaling +
                            "\" needs the run's batch size; valid here: none");
    }
    const double ratio = static_cast<double>(global_batch) / base;
    spec.lr *= scaling == "sqrt" ? std::sqrt(ratio) : ratio;
  }
  const std::string decay =
      s.choice("schedule", "constant", {"constant", "step", "linear", "cosine"});
  spec.warmup_steps = static_cast<std::uint64_t>(s.integer("warmup_steps", 0, 0));
  const bool fraction_given = s.has("warmup_fraction");
  const double fraction = s.number("warmup_fraction", 0.0, 0.0, 1.0);  // read even when absent
  if (fraction_given) {
    if (s.has("warmup_steps")) {
      throw InvalidArgument(s.context() +
                            ": warmup_steps and warmup_fraction both given; valid: one of them");
    }
    // BERT's and ScaLA's "warm-up over the first 10% of the steps".
    spec.warmup_steps =
        static_cast<std::uint64_t>(std::floor(fraction * static_cast<double>(total_steps)));
  }
  spec.total_steps = total_steps;
  if (decay == "step") {
    spec.decay = LrDecay::step;
    spec.step_size = static_cast<std::uint64_t>(s.integer("step_size", 1, 1));
    spec.gamma = s.number("gamma", 0.1);
  } else if (decay == "linear" || decay == "cosine") {
    spec.decay = decay == "linear" ? LrDecay::linear : LrDecay::cosine;
    spec.min_lr = s.number("min_lr", 0.0);
  }
  return in_context(s, [&] { return LrSchedule(spec); });
}

double read_clip_grad_norm(const Settings& s) { return s.number("clip_grad_norm", 0.0, 0.0); }

std::string optimizer_keys_markdown() {
  std::string out = "| key | meaning |\n|---|---|\n";
  for (const auto& k : optimizer_keys()) out += "| `" + k.key + "` | " + k.meaning + " |\n";
  return out;
}

}  // namespace dcopt

#include "dcopt/optim/lamb.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/optim/spec_text.hpp"
#include "dcopt/optim/weight_decay_mask.hpp"

namespace dcopt {

Lamb::Lamb(const ParamLayout& layout, LambOptions options)
    : layout_(layout), options_(std::move(options)) {
  const LambOptions& o = options_;
  check_adam_options("lamb", o.beta1, o.beta2, o.eps, o.weight_decay);
  if (!(std::isfinite(o.trust_clip_min) && o.trust_clip_min >= 0)) {
    throw InvalidArgument(
        fmt::format("lamb: trust_clip_min = {}; valid: trust_clip_min >= 0", o.trust_clip_min));
  }
  if (!(o.trust_clip_max >= o.trust_clip_min)) {  // also rejects NaN; +inf is valid
    throw InvalidArgument(
        fmt::format("lamb: trust_clip_max = {}; valid: trust_clip_max >= trust_clip_min (= {})",
                    o.trust_clip_max, o.trust_clip_min));
  }
  decays_ = weight_decay_mask(layout_, o.no_decay);
  m_.assign(layout_.size(), 0.0f);
  v_.assign(layout_.size(), 0.0f);
  u_.assign(layout_.size(), 0.0f);
  x_norms_.assign(layout_.num_tensors(), 0.0);
  u_norms_.assign(layout_.num_tensors(), 0.0);
  trust_.assign(layout_.num_tensors(), 0.0);
}

std::string Lamb::spec() const {
  return SpecText("lamb")
      .add("beta1", options_.beta1)
      .add("beta2", options_.beta2)
      .add("eps", options_.eps)
      .add("weight_decay", options_.weight_decay)
      .add("bias_correction", options_.bias_correction)
      .add("trust_clip_min", options_.trust_clip_min)
      .add("trust_clip_max", options_.trust_clip_max)
      .add("no_decay", options_.no_decay)
      .text();
}

void Lamb::step(std::span<float> params, std::span<const float> grad, double lr) {
  check_step_buffers(layout_, params.size(), grad.size());
  const std::uint64_t t = steps_ + 1;
  const AdamMoments moments(options_.beta1, options_.beta2);
  const bool bc = options_.bias_correction;
  const float bias1 = bc ? static_cast<float>(bias_correction(options_.beta1, t)) : 1.0f;
  const float bias2 = bc ? static_cast<float>(bias_correction(options_.beta2, t)) : 1.0f;
  const float eps = static_cast<float>(options_.eps);
  const float wd = static_cast<float>(options_.weight_decay);
  for (std::size_t k = 0; k < layout_.num_tensors(); ++k) {
    const bool decay = decays_[k] && options_.weight_decay != 0;
    for (std::size_t i = layout_[k].offset, end = layout_[k].end(); i < end; ++i) {
      moments.update(m_[i], v_[i], grad[i]);
      const float m_hat = m_[i] / bias1;
      const float v_hat = v_[i] / bias2;
      const float r = m_hat / (std::sqrt(v_hat) + eps);
      u_[i] = decay ? r + wd * params[i] : r;
    }
  }
  layout_.norms(std::span<const float>(params), x_norms_);
  layout_.norms(std::span<const float>(u_), u_norms_);
  for (std::size_t k = 0; k < layout_.num_tensors(); ++k) {
    const double x = x_norms_[k];
    const double u = u_norms_[k];
    const double phi = std::min(std::max(x, options_.trust_clip_min), options_.trust_clip_max);
    trust_[k] = (x == 0 || u == 0) ? 1.0 : phi / u;
    const float scale = static_cast<float>(lr * trust_[k]);
    for (std::size_t i = layout_[k].offset, end = layout_[k].end(); i < end; ++i) {
      params[i] = params[i] - scale * u_[i];
    }
  }
  steps_ = t;
}

void Lamb::save(StateWriter& w) const {
  write_rule_header(w, *this, steps_);
  w.f32s("optim.m", m_);
  w.f32s("optim.v", v_);
}

void Lamb::load(StateReader& r) {
  const std::uint64_t steps = read_rule_header(r, *this);
  std::vector<float> m(m_.size()), v(v_.size());
  r.f32s("optim.m", m);
  r.f32s("optim.v", v);
  steps_ = steps;
  m_ = std::move(m);
  v_ = std::move(v);
}

}  // namespace dcopt

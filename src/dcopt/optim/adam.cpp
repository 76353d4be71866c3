#include "dcopt/optim/adam.hpp"

#include <cmath>

#include "dcopt/optim/spec_text.hpp"
#include "dcopt/optim/weight_decay_mask.hpp"

namespace dcopt {

Adam::Adam(const ParamLayout& layout, AdamOptions options)
    : layout_(layout), options_(std::move(options)) {
  check_adam_options(name(), options_.beta1, options_.beta2, options_.eps, options_.weight_decay);
  decays_ = weight_decay_mask(layout_, options_.no_decay);
  m_.assign(layout_.size(), 0.0f);
  v_.assign(layout_.size(), 0.0f);
}

std::string Adam::spec() const {
  return SpecText(name())
      .add("beta1", options_.beta1)
      .add("beta2", options_.beta2)
      .add("eps", options_.eps)
      .add("weight_decay", options_.weight_decay)
      .add("no_decay", options_.no_decay)
      .text();
}

void Adam::step(std::span<float> params, std::span<const float> grad, double lr) {
  check_step_buffers(layout_, params.size(), grad.size());
  const std::uint64_t t = steps_ + 1;
  const AdamMoments moments(options_.beta1, options_.beta2);
  const float wd = static_cast<float>(options_.weight_decay);
  const float shrink = static_cast<float>(1.0 - lr * options_.weight_decay);
  const float sqrt_bias2 = static_cast<float>(std::sqrt(bias_correction(options_.beta2, t)));
  const float eps = static_cast<float>(options_.eps);
  const float step_size = static_cast<float>(lr / bias_correction(options_.beta1, t));
  const bool decoupled = options_.decoupled;
  for (std::size_t k = 0; k < layout_.num_tensors(); ++k) {
    const bool decay = decays_[k] && options_.weight_decay != 0;
    for (std::size_t i = layout_[k].offset, end = layout_[k].end(); i < end; ++i) {
      float g = grad[i];
      float p = params[i];
      if (decay) {
        if (decoupled) {
          p = p * shrink;
        } else {
          g = g + wd * p;
        }
      }
      moments.update(m_[i], v_[i], g);
      const float denom = std::sqrt(v_[i]) / sqrt_bias2 + eps;
      params[i] = p - step_size * (m_[i] / denom);
    }
  }
  steps_ = t;
}

void Adam::save(StateWriter& w) const {
  write_rule_header(w, *this, steps_);
  w.f32s("optim.m", m_);
  w.f32s("optim.v", v_);
}

void Adam::load(StateReader& r) {
  const std::uint64_t steps = read_rule_header(r, *this);
  std::vector<float> m(m_.size()), v(v_.size());
  r.f32s("optim.m", m);
  r.f32s("optim.v", v);
  steps_ = steps;
  m_ = std::move(m);
  v_ = std::move(v);
}

}  // namespace dcopt

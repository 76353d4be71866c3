#include "dcopt/optim/sgd.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/optim/spec_text.hpp"
#include "dcopt/optim/weight_decay_mask.hpp"

namespace dcopt {
namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw InvalidArgument("sgd: " + what);
}

}  // namespace

Sgd::Sgd(const ParamLayout& layout, SgdOptions options)
    : layout_(layout), options_(std::move(options)) {
  const SgdOptions& o = options_;
  check(std::isfinite(o.momentum) && o.momentum >= 0,
        "momentum = " + fmt::format("{}", o.momentum) + "; valid: momentum >= 0");
  check(std::isfinite(o.dampening) && o.dampening >= 0 && o.dampening <= 1,
        "dampening = " + fmt::format("{}", o.dampening) + "; valid: 0 <= dampening <= 1");
  check(std::isfinite(o.weight_decay) && o.weight_decay >= 0,
        "weight_decay = " + fmt::format("{}", o.weight_decay) + "; valid: weight_decay >= 0");
  check(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
        "nesterov = true requires momentum > 0 and dampening = 0 (momentum = " +
            fmt::format("{}", o.momentum) + ", dampening = " + fmt::format("{}", o.dampening) +
            ")");
  decays_ = weight_decay_mask(layout_, o.no_decay);
  if (o.momentum > 0) buf_.assign(layout_.size(), 0.0f);
}

std::string Sgd::spec() const {
  return SpecText("sgd")
      .add("momentum", options_.momentum)
      .add("dampening", options_.dampening)
      .add("nesterov", options_.nesterov)
      .add("weight_decay", options_.weight_decay)
      .add("no_decay", options_.no_decay)
      .text();
}

void Sgd::step(std::span<float> params, std::span<const float> grad, double lr) {
  check_step_buffers(layout_, params.size(), grad.size());
  const float wd = static_cast<float>(options_.weight_decay);
  const float mu = static_cast<float>(options_.momentum);
  const float keep = static_cast<float>(1.0 - options_.dampening);
  const float lrf = static_cast<float>(lr);
  const bool momentum = options_.momentum > 0;
  const bool first = steps_ == 0;
  const bool nesterov = options_.nesterov;
  for (std::size_t t = 0; t < layout_.num_tensors(); ++t) {
    const bool decay = decays_[t] && options_.weight_decay != 0;
    for (std::size_t i = layout_[t].offset, end = layout_[t].end(); i < end; ++i) {
      float d = grad[i];
      if (decay) d = d + wd * params[i];
      if (momentum) {
        float& b = buf_[i];
        b = first ? d : mu * b + keep * d;
        d = nesterov ? d + mu * b : b;
      }
      params[i] = params[i] - lrf * d;
    }
  }
  ++steps_;
}

void Sgd::save(StateWriter& w) const {
  write_rule_header(w, *this, steps_);
  w.f32s("optim.momentum_buffer", buf_);
}

void Sgd::load(StateReader& r) {
  const std::uint64_t steps = read_rule_header(r, *this);
  std::vector<float> buf(buf_.size());
  r.f32s("optim.momentum_buffer", buf);
  steps_ = steps;
  buf_ = std::move(buf);
}

}  // namespace dcopt

#include "dcopt/optim/normalized_update.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dcopt/core/error.hpp"
#include "dcopt/optim/spec_text.hpp"

namespace dcopt {

NormalizedUpdate::NormalizedUpdate(const ParamLayout& layout, NormalizedUpdateOptions options)
    : layout_(layout), options_(options) {
  if (!(std::isfinite(options_.nu_min) && options_.nu_min >= 0)) {
    throw InvalidArgument(
        fmt::format("normalized: nu_min = {}; valid: nu_min >= 0", options_.nu_min));
  }
  if (!(options_.nu_max > options_.nu_min)) {  // also rejects NaN; +inf is valid
    throw InvalidArgument(fmt::format("normalized: nu_max = {}; valid: nu_max > nu_min (= {})",
                                      options_.nu_max, options_.nu_min));
  }
  x_norms_.assign(layout_.num_tensors(), 0.0);
  g_norms_.assign(layout_.num_tensors(), 0.0);
  scale_.assign(layout_.num_tensors(), 0.0);
}

std::string NormalizedUpdate::spec() const {
  return SpecText("normalized")
      .add("nu_min", options_.nu_min)
      .add("nu_max", options_.nu_max)
      .text();
}

double NormalizedUpdate::nu(double c) const {
  return std::max(options_.nu_min, std::min(c, options_.nu_max));
}

void NormalizedUpdate::step(std::span<float> params, std::span<const float> grad, double lr) {
  check_step_buffers(layout_, params.size(), grad.size());
  layout_.norms(std::span<const float>(params), x_norms_);
  layout_.norms(grad, g_norms_);
  for (std::size_t k = 0; k < layout_.num_tensors(); ++k) {
    const double g = g_norms_[k];
    scale_[k] = g == 0 ? 0.0 : nu(x_norms_[k]) / g;
    if (scale_[k] == 0) continue;
    const float scale = static_cast<float>(lr * scale_[k]);
    for (std::size_t i = layout_[k].offset, end = layout_[k].end(); i < end; ++i) {
      params[i] = params[i] - scale * grad[i];
    }
  }
  ++steps_;
}

void NormalizedUpdate::save(StateWriter& w) const { write_rule_header(w, *this, steps_); }

void NormalizedUpdate::load(StateReader& r) { steps_ = read_rule_header(r, *this); }

}  // namespace dcopt

#include "dcopt/optim/update_rule.hpp"

#include <stdexcept>

#include "dcopt/core/error.hpp"

namespace dcopt {

void write_rule_header(StateWriter& w, const UpdateRule& rule, std::uint64_t steps) {
  w.text("optim.spec", rule.spec());
  rule.layout().write_state(w);
  w.u64("optim.steps", steps);
}

std::uint64_t read_rule_header(StateReader& r, const UpdateRule& rule) {
  const std::string stored = r.text("optim.spec", 1 << 16);
  const std::string current = rule.spec();
  if (stored != current) {
    throw DataError("optimizer state was written by '" + stored + "'; this run's optimizer is '" +
                    current + "'");
  }
  const ParamLayout layout = ParamLayout::read_state(r);
  expect_same_layout(layout, rule.layout(), "optimizer state");
  return r.u64("optim.steps");
}

void check_step_buffers(const ParamLayout& layout, std::size_t params, std::size_t grad) {
  if (params != layout.size() || grad != layout.size()) {
    throw std::invalid_argument("update rule step: params of " + std::to_string(params) +
                                " and grad of " + std::to_string(grad) +
                                " entries for a parameter layout of " +
                                std::to_string(layout.size()));
  }
}

}  // namespace dcopt

#pragma once
// UpdateRule: one worker's optimizer on a flat fp32 parameter buffer (DESIGN.md, "A layout
// travels with the buffer"). In data-parallel training every worker runs an identical copy on the
// same aggregated gradient, so the copies stay bit-identical without exchanging optimizer state.
//
// Conventions shared by every rule of this folder:
// - Buffers: params and grad have layout().size() entries, fp32, owned by the caller. Entries
//   outside every tensor of the layout (padding gaps) are never read or written.
// - Arithmetic: per-element updates run in float, as torch's CPU optimizers; scalar coefficients
//   (bias corrections, lr * wd, ...) are computed in double once per step and rounded to float
//   once. Norms (LAMB's per-tensor norms) are accumulated in double through the ParamLayout.
// - No allocation in step(): every state and scratch buffer is sized at construction.
// - State: save() writes the canonical spec, the layout, the step count and every moment buffer;
//   load() verifies the spec and the layout (DataError on a mismatch) before replacing anything.
#include <cstdint>
#include <span>
#include <string>

#include "dcopt/core/param_layout.hpp"
#include "dcopt/core/state_io.hpp"

namespace dcopt {

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;
  /// "sgd", "adam", "adamw", "lamb" or "normalized".
  virtual std::string name() const = 0;
  /// Canonical configuration text (every hyperparameter except the learning rate, which the
  /// schedule supplies per step), e.g. "sgd(momentum=0.9, ...)"; a checkpoint compares it.
  virtual std::string spec() const = 0;
  /// The layout of the buffers step() takes.
  virtual const ParamLayout& layout() const = 0;
  /// One step: params (layout().size() entries) move along grad (same size, the aggregated
  /// estimate) with learning rate lr. A buffer of another size is a programming error
  /// (std::invalid_argument).
  virtual void step(std::span<float> params, std::span<const float> grad, double lr) = 0;
  /// Steps taken so far (bias corrections use it; the first step is step 1).
  virtual std::uint64_t steps() const = 0;
  /// All state (spec, layout, step count, moments).
  virtual void save(StateWriter& w) const = 0;
  /// Replaces the state by what save() wrote; DataError if it was written by another rule, spec
  /// or layout, or is malformed. On an error the state is unchanged.
  virtual void load(StateReader& r) = 0;
};

/// The head every rule's state starts with: spec, layout, step count.
void write_rule_header(StateWriter& w, const UpdateRule& rule, std::uint64_t steps);
/// Reads write_rule_header's fields and checks them against `rule` (DataError naming the
/// stored and the current spec, or the first layout difference); returns the stored step count.
std::uint64_t read_rule_header(StateReader& r, const UpdateRule& rule);

/// std::invalid_argument unless params and grad both have layout.size() entries.
void check_step_buffers(const ParamLayout& layout, std::size_t params, std::size_t grad);

}  // namespace dcopt

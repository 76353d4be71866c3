#pragma once
// StatefulCompressor<T>: the slot for compressors that keep per-worker state between steps
// (error feedback, PowerSGD), next to the stateless Compressor. A Compressor is const and shared;
// a StatefulCompressor is owned by one worker, mutated by every step, and serializes its state
// for checkpoints. T (float or double) is the element type of the worker's buffers and of the
// state.
//
// What is per-worker and what is shared. The state (residuals, warm starts) lives in one
// worker's object and is never shared with, sent to or read by another worker: each worker
// builds its own instance from the same configuration. What receivers need to decode is
// stateless: phase_codec(p) is a plain Compressor built from the configuration alone, the same
// on every worker, so any worker decodes any worker's message. State that must be identical on
// every worker (PowerSGD's Q after the Q all-reduce) is identical because every worker computes
// it from the same aggregate, not because it is communicated separately.
//
// One step, on every worker, is `phases()` rounds of "encode my message, exchange, absorb the
// aggregate":
//
//   sc.begin(x);                               // this step's vector enters the state
//   n_phases = sc.phases();                    // read after begin(): see below
//   for (p = 0; p < n_phases; ++p) {
//     sc.encode(p, rng_p, msg);                // rng_p: the phase's stream, which receivers
//                                              // can regenerate (methods/blocks/exchange.hpp)
//     agg = sum_w weight_w * sc.phase_codec(p).decode(msg_w)   // the caller's exchange,
//                                                              // phase_dim(p) entries
//     sc.absorb(p, agg, estimate);             // after the last phase: estimate (dim()) is
//   }                                          // the step's result, the same on every worker
//
// Calls out of this order are a programming error (std::logic_error). save()/load() are called
// between steps.
//
// The phase count may depend on the step (PowerSGD sends its first start_powerSGD_iter steps
// dense, in one phase, and later steps in two): phases() and phase_dim(p) describe the step in
// progress once begin() was called, and between steps (from the last absorb() on) the next
// step, so a caller reads phases() once after begin() (not in the loop condition above, which
// would see the next step's count after the last absorb). max_phases() bounds phases() over every
// step, for a caller that reserves one exchange (and its stream) per phase when it is built.
//
// How the two known kinds fit:
//
// * ErrorFeedbackCompressor (error_feedback_compressor.hpp), implemented: one phase. begin adds
//   x to the residual, v = e + x; encode sends C(v) with any stateless codec (per tensor when
//   the codec is a LayeredCompressor) and keeps e = v - C(v); absorb copies the average of the
//   decoded messages into the estimate. State: e (dim() entries, per worker).
//
// * PowerSgdCompressor (powersgd.hpp), implemented: two phases, both linear.
//   Per matrix-like tensor M (ParamTensor::rows() x cols(), a view of v = e + x) with rank r:
//     phase 0: P_i = M_i Q                    message: identity codec over all P's (sum over
//                                             matrices of rows*r entries), plus the dense values
//                                             of the tensors it does not compress (rank <= 1)
//     absorb 0: P = orthogonalize(mean P_i)   (the same on every worker: same aggregate)
//     phase 1: Q_i = M_i^T P                  message: identity codec over all Q's (cols*r each)
//     absorb 1: Q = mean Q_i; estimate = P Q^T per matrix, the dense aggregate elsewhere;
//               error feedback e = v - estimate (the PowerSGD authors' formulation: the residual
//               is taken against the aggregated approximation); Q is kept: the warm start of
//               the next step's phase 0.
//   Both phases' messages are linear in the workers' inputs (identity fp32 values), so the
//   exchange may all-reduce them instead of gathering (DESIGN.md, "Collectives for big
//   vectors"); phase_codec(p) is the identity over phase_dim(p) entries. State per worker: e;
//   per matrix Q (cols*r), initialized from a stream shared by every worker (Purpose::init) so
//   that every worker starts from the same Q, and P (a temporary between the phases). The
//   per-matrix split comes from the layout (ParamLayout::is_matrix_like, rows, cols); which
//   matrices are worth compressing is PyTorch's min_compression_rate rule. Its first
//   start_powerSGD_iter steps are one dense phase without error feedback (PyTorch's vanilla
//   all-reduce warm-up), and a layout with no matrix worth compressing has one dense phase in
//   every step.
#include <cstddef>
#include <span>
#include <string>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/compress/message.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/core/state_io.hpp"

namespace dcopt {

template <class T>
class StatefulCompressor {
 public:
  virtual ~StatefulCompressor() = default;

  /// E.g. "ef".
  virtual std::string name() const = 0;
  /// Describes the configuration (not the state), e.g. "ef(topk:k=10,precision=32)"; two
  /// instances with the same spec() decode each other's messages. Checkpoints compare it.
  virtual std::string spec() const = 0;
  /// Entries of the vectors begin() takes and absorb() writes.
  virtual std::size_t dim() const = 0;

  /// Communication phases of the step in progress (after begin()), or of the next step
  /// (between steps): error feedback 1; PowerSGD 2, or 1 in its dense warm-up steps.
  virtual std::size_t phases() const = 0;
  /// The most phases any step has (reserve this many exchanges).
  virtual std::size_t max_phases() const { return phases(); }
  /// The stateless codec every worker decodes phase p's messages with.
  virtual const Compressor& phase_codec(std::size_t p) const = 0;
  /// Entries of phase p's decoded messages and of its aggregate (of the step in progress, or
  /// of the next step between steps).
  virtual std::size_t phase_dim(std::size_t p) const = 0;

  /// Starts a step: x (dim() entries, this worker's vector, e.g. its gradient) enters the state;
  /// x is not retained.
  virtual void begin(std::span<const T> x) = 0;
  /// This worker's message for phase p into `out` (overwritten, its storage reused: no
  /// allocation in steady state). Draws only from `rng`.
  virtual void encode(std::size_t p, Rng& rng, Message& out) = 0;
  /// Phase p's aggregate (phase_dim(p) entries: the weighted sum over workers of the decoded
  /// phase-p messages, identical on every worker). After the last phase writes the step's
  /// result into `estimate` (dim() entries; it may be the same memory as `aggregate`); earlier
  /// phases do not touch it.
  virtual void absorb(std::size_t p, std::span<const T> aggregate, std::span<T> estimate) = 0;

  /// Back to the initial state (as constructed).
  virtual void reset() = 0;
  /// The state as StateWriter fields, between steps.
  virtual void save(StateWriter& w) const = 0;
  /// Reads what save() wrote; a state of another configuration (spec, dimension, layout) is a
  /// DataError naming the difference.
  virtual void load(StateReader& r) = 0;
};

}  // namespace dcopt

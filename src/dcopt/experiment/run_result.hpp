#pragma once
// What the runner produces: one metrics row per method per logged round, and per method the
// outcome that summary.json reports. Counts are per worker, averaged over the workers (so that
// partial participation, where workers send different amounts, is reported fairly).
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dcopt {

/// Cumulative cost per worker (mean over workers). Bits are exact encoded message sizes.
struct CostTotals {
  double bits_up = 0;       ///< uplink bits (what a worker sent)
  double bits_down = 0;     ///< downlink bits (what the server broadcast to a worker)
  double oracle_calls = 0;  ///< full local gradient / operator evaluations
  double sample_grads = 0;  ///< per-sample gradient / operator-term evaluations
};

struct MetricRow {
  std::size_t method = 0;  ///< index into the experiment's methods
  std::uint64_t round = 0;
  /// Values in the order of RunResult::metric_names (NaN: undefined or not finite).
  std::vector<double> metrics;
  CostTotals cost;    ///< cumulative over rounds 1..round (the init cost is separate)
  double wall_s = 0;  ///< rank 0's seconds since the method's init started, evaluations excluded
};

/// How a method's run ended.
/// interrupted: a stop request (SIGINT/SIGTERM) ended the run after the method's last round;
/// not_started: the run was interrupted before this method began (it has no rows).
enum class RunStatus {
  converged,
  max_rounds,
  max_bits,
  wall_budget,
  diverged,
  interrupted,
  not_started
};
const char* to_string(RunStatus s);

struct MethodResult {
  std::string label;
  std::string name;
  /// Canonical spec of the workers' codec (Method::codec()): the `codec` setting, else the
  /// method's default codec; for dense methods (gd, gda, eg, eg_vr) the identity at `precision`.
  std::string codec;
  RunStatus status = RunStatus::max_rounds;
  std::uint64_t rounds = 0;  ///< rounds run
  MetricRow final_row;
  CostTotals init_cost;    ///< the initialization exchange (e.g. MARINA's g^0)
  double init_wall_s = 0;  ///< rank 0's seconds in init()
  double wall_s = 0;       ///< rank 0's seconds in init() and the rounds
  double eval_wall_s = 0;  ///< rank 0's seconds in metric evaluations (not in wall_s)
  /// Bytes this worker's communicator sent during init and the rounds (metric evaluations
  /// excluded), mean over workers: a cross-check of the bit counts from the transport's side
  /// (an allgather sends a message to each of the n-1 peers, so it is about (n-1)/8 x bits).
  double transport_bytes_sent = 0;
  std::map<std::string, double> parameters;  ///< method->parameters()
};

/// Where a run was halted (--halt-after): after the checkpoint at `round` of method `method`.
struct HaltPoint {
  std::size_t method = 0;
  std::uint64_t round = 0;
};

struct RunResult {
  std::vector<std::string> metric_names;
  std::map<std::string, double> problem_constants;
  std::string problem;  ///< ProblemSource::describe()
  std::vector<MethodResult> methods;
  std::optional<HaltPoint> halted;  ///< set if the run ended at a halt, not at its end
  /// Set if a stop request (core/stop_request.hpp) ended the run after this round of this
  /// method: that method's status is `interrupted`, the later ones' `not_started`, and a
  /// checkpoint of that round was written (CheckpointOptions::on_stop).
  std::optional<HaltPoint> interrupted;
  int stop_signal = 0;  ///< the signal that asked for the stop (with `interrupted`)
};

}  // namespace dcopt

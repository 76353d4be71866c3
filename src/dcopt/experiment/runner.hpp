#pragma once
// The experiment runner: the SPMD program every worker runs. It runs the configured methods one
// after another on the same problem, data split and seed: build (per worker), init (its cost
// reported separately), then rounds, with the metrics evaluated at round 0, every eval_every
// rounds, at the final round and at the round that spends the bit budget. Stopping rules and
// divergence are decided collectively (from the values of one allreduce), so every worker stops
// at the same round.
//
//   * max_rounds: checked every round.
//   * max_bits_per_worker: checked every round (one 8-byte allreduce of the cumulative uplink,
//     not metered as method traffic), so a method stops at the exact round that spends the
//     budget, whatever eval_every is; that round gets a metrics row.
//   * target, wall_budget_s, divergence: checked when the metrics are evaluated (they need the
//     metrics' collective); use eval_every = 1 for the exact round.
//   * divergence: a non-finite iterate or metric, or the primary metric above 1e12 times its
//     round-0 value. The method ends with status `diverged`; the next method runs.
#include "dcopt/experiment/checkpointing.hpp"
#include "dcopt/experiment/experiment_config.hpp"
#include "dcopt/experiment/problem_source.hpp"
#include "dcopt/experiment/run_result.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

/// Receives the run's events on rank 0 (calls come from rank 0's thread only).
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  /// Every method has been built on every worker (the configuration is valid): outputs may be
  /// created from here on.
  virtual void on_validated(const RunResult& header) { (void)header; }
  virtual void on_method_start(std::size_t index) { (void)index; }
  /// Called every round: must be cheap.
  virtual void on_round(std::uint64_t round, double bits_up_local) {
    (void)round;
    (void)bits_up_local;
  }
  virtual void on_row(const MetricRow& row) { (void)row; }
  virtual void on_method_end(const MethodResult& result) { (void)result; }
  /// The run halts after the checkpoint at this point (CheckpointOptions::halt_after).
  virtual void on_halt(const HaltPoint& at) { (void)at; }
};

/// The ratio above the round-0 value of the primary metric that counts as divergence.
inline constexpr double kDivergenceFactor = 1e12;

/// Collective over ctx.comm (every worker calls it). `observer` is used on rank 0 only and may
/// be null. Returns the same result on every rank (metrics and counts are allreduced). The
/// methods run with config.topology, whatever ctx.topology says.
///
/// `checkpoints` (checkpointing.hpp): checkpoints are written after the rounds it names; with
/// `resume`, the run continues from a checkpoint, and the observer first sees everything the
/// interrupted run had reported (the finished methods' starts, rows and ends, the running
/// method's start and rows), then the rest as usual. A run ended by `halt_after` returns with
/// RunResult::halted set, the results of the methods from the halted one on incomplete.
RunResult run_experiment(WorkerContext& ctx, const ExperimentConfig& config,
                         const ProblemSource& source, RunObserver* observer,
                         const CheckpointOptions& checkpoints = {});

}  // namespace dcopt

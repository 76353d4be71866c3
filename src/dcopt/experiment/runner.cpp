#include "dcopt/experiment/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <csignal>
#include <optional>
#include <string>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/stop_request.hpp"
#include "dcopt/core/timer.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/experiment/checkpoint_file.hpp"
#include "dcopt/experiment/experiment_hash.hpp"

namespace dcopt {

const char* to_string(RunStatus s) {
  switch (s) {
    case RunStatus::converged: return "converged";
    case RunStatus::max_rounds: return "max_rounds";
    case RunStatus::max_bits: return "max_bits";
    case RunStatus::wall_budget: return "wall_budget";
    case RunStatus::diverged: return "diverged";
    case RunStatus::interrupted: return "interrupted";
    case RunStatus::not_started: return "not_started";
  }
  return "?";
}

namespace {

// Layout of the per-worker values summed in the metric evaluation's allreduce.
enum Sum : std::size_t {
  kBitsUp,
  kBitsDown,
  kOracle,
  kSamples,
  kInitBitsUp,
  kInitBitsDown,
  kInitOracle,
  kInitSamples,
  kTransportBytes,
  kNonFinite,
  kElapsed,  // rank 0 only: the others contribute 0, so the sum is rank 0's clock
  kInitElapsed,
  kSumCount
};

// Settings are read by one thread at a time (they record which keys were read), so every
// worker and every build gets its own copy.
std::unique_ptr<Method> build_method(const ProblemInstance& instance, const MethodConfig& m) {
  Settings s = m.settings;
  try {
    // The method catalog rejects any key the factory did not read.
    return instance.make_method(m.name, s);
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    if (what.find(s.context()) != std::string::npos) throw;
    throw InvalidArgument(s.context() + ": " + what);
  }
}

CostTotals totals(const std::array<double, kSumCount>& s, std::size_t first, double inv_n) {
  return {s[first] * inv_n, s[first + 1] * inv_n, s[first + 2] * inv_n, s[first + 3] * inv_n};
}

// What the methods of one run share. On rank 0, when checkpoints are written, `snapshot` is the
// checkpoint being built up: its header, the finished methods' results and every row emitted so
// far (so that a resumed run's metrics.csv is complete); the running method's part is filled in
// when a checkpoint is due.
struct RunState {
  const CheckpointOptions& checkpoints;
  Checkpoint snapshot;
  bool keeps_snapshot = false;
};

class MethodRun {
 public:
  MethodRun(WorkerContext& ctx, const ExperimentConfig& cfg, ProblemInstance& instance,
            RunObserver* observer, std::size_t index, MethodResult& result, RunState& state)
      : ctx_(ctx),
        cfg_(cfg),
        instance_(instance),
        observer_(ctx.rank() == 0 ? observer : nullptr),
        index_(index),
        result_(result),
        state_(state) {}

  enum class Outcome { finished, halted, interrupted };

  /// Runs the method to its end, from round 0 or, with `resume`, from the round after the
  /// checkpoint's. `halted`: CheckpointOptions::halt_after was reached; `interrupted`: a stop
  /// request ended it after round interrupted_round() (a checkpoint of that round written).
  Outcome run(const Checkpoint* resume) {
    const MethodConfig& m = cfg_.methods[index_];
    try {
      return run_rounds(m, resume);
    } catch (const CommError& e) {
      throw CommError(where(m) + e.what());
    } catch (const DecodeError& e) {
      // A corrupt message from a peer. Only the ranks that decoded it throw; the others are
      // released from their next collective by the backend (ThreadComm: "worker <r> failed";
      // MPI: this rank's MPI_Abort in dcopt run), so no rank waits forever.
      throw DecodeError(where(m) + e.what());
    }
  }

 private:
  // "worker 1, method 'marina' (codec randk:k=5), round 12: " for errors raised in a round.
  std::string where(const MethodConfig& m) const {
    std::string s = fmt::format("worker {}, method '{}'", ctx_.rank(), m.label);
    try {
      const std::string codec = m.settings.string("codec", "");
      if (!codec.empty()) s += fmt::format(" (codec {})", codec);
    } catch (const Error&) {
      // Not a string: the method read it otherwise; the label names the method anyway.
    }
    s += round_ == 0 ? std::string(", initialization: ") : fmt::format(", round {}: ", round_);
    return s;
  }

 public:
  Outcome run_rounds(const MethodConfig& m, const Checkpoint* resume) {
    if (observer_) observer_->on_method_start(index_);
    std::unique_ptr<Method> method = build_method(instance_, m);
    result_.parameters = method->parameters();

    TrafficMeter& meter = ctx_.comm.meter();
    std::uint64_t first = 1;
    if (resume) {
      restore(*method, *resume);
      first = resume->running.round + 1;
    } else {
      const std::uint64_t sent_before = meter.total().bytes_sent;
      watch_.reset();
      init_cost_ = method->init(ctx_);
      init_elapsed_ = watch_.seconds();
      transport_sent_ = meter.total().bytes_sent - sent_before;
      if (evaluate(*method, 0)) return Outcome::finished;
    }

    const std::uint64_t max_rounds = cfg_.stop.max_rounds;
    const std::uint64_t every = cfg_.stop.eval_every;
    const CheckpointOptions& checkpoints = state_.checkpoints;
    for (std::uint64_t k = first; k <= max_rounds; ++k) {
      round_ = k;
      const std::uint64_t before = meter.total().bytes_sent;
      cost_ += method->step(ctx_, k);
      transport_sent_ += meter.total().bytes_sent - before;
      if (observer_) observer_->on_round(k, static_cast<double>(cost_.bits_up));
      const bool spent = bit_budget_spent();
      bool evaluated = false;
      if (k % every == 0 || k == max_rounds || spent) {
        if (evaluate(*method, k)) return Outcome::finished;
        evaluated = true;
      }
      const bool checkpointed = checkpoints.due(k);
      if (checkpointed) {
        checkpoint(*method, k);
        if (checkpoints.halts(k)) return Outcome::halted;
      }
      if (checkpoints.on_stop && k >= next_poll_ && stop_agreed(k)) {
        // The round's metrics (unless just evaluated) as the method's final row, then a
        // checkpoint of this round, from which --resume continues as if nothing happened.
        if (!evaluated) evaluate(*method, k, /*stopping=*/true);
        if (!checkpointed) checkpoint(*method, k);
        finish(RunStatus::interrupted, k);
        stopped_at_ = k;
        return Outcome::interrupted;
      }
    }
    return Outcome::finished;
  }

  std::uint64_t interrupted_round() const { return stopped_at_; }
  int agreed_signal() const { return agreed_signal_; }

 private:
  // Rank 0's seconds in init and rounds; evaluations and checkpoints are excluded.
  double elapsed() const { return elapsed_before_ + watch_.seconds() - paused_; }

  // Every worker loads its own state; a state that does not fit the method fails every rank.
  void restore(Method& method, const Checkpoint& c) {
    const std::string what = checkpoint_file(state_.checkpoints.resume).string() + ": worker " +
                             std::to_string(ctx_.rank()) + "'s state";
    std::string error;
    try {
      const WorkerProgress p = decode_worker_state(
          c.worker_states.at(static_cast<std::size_t>(ctx_.rank())), method, what);
      cost_ = p.cost;
      init_cost_ = p.init_cost;
      transport_sent_ = p.transport_bytes_sent;
    } catch (const Error& e) {
      error = e.what();
    }
    agree_or_throw(ctx_, error);
    elapsed_before_ = c.running.elapsed_s;
    eval_seconds_ = c.running.eval_s;
    init_elapsed_ = c.running.init_elapsed_s;
    initial_ = c.running.initial_primary;
    if (observer_) {
      for (const MetricRow& row : c.rows) {
        if (row.method == index_) observer_->on_row(row);
      }
    }
    watch_.reset();
    paused_ = 0;
  }

  // Collective: this worker's state to rank 0, which writes the checkpoint.
  void checkpoint(const Method& method, std::uint64_t k) {
    Stopwatch watch;
    const std::string mine =
        encode_worker_state(WorkerProgress{cost_, init_cost_, transport_sent_}, method);
    Checkpoint& c = state_.snapshot;
    if (state_.keeps_snapshot) {
      c.running = {index_, k, elapsed(), eval_seconds_, init_elapsed_, initial_};
    }
    write_checkpoint_collective(ctx_, state_.checkpoints.dir, c, mine);
    paused_ += watch.seconds();
  }

  // With a bit budget, every round checks the mean cumulative uplink over workers (one
  // 8-byte allreduce, not method traffic) so that the method stops at the exact round that
  // spends the budget, whatever eval_every is. Without one, nothing is exchanged.
  bool bit_budget_spent() {
    if (!cfg_.stop.max_bits_per_worker) return false;
    double bits = static_cast<double>(cost_.bits_up);
    ctx_.comm.allreduce_sum(std::span<double>(&bits, 1));
    return bits / static_cast<double>(ctx_.size()) >= *cfg_.stop.max_bits_per_worker;
  }

  // Collective, at the rounds due for a poll (k >= next_poll_): whether any worker has seen a
  // stop request, so that every worker stops after the same round. One 24-byte allreduce (not
  // method traffic) that also carries rank 0's clock, from which every worker computes the same
  // next poll: about kStopPollSeconds of rounds later (at most twice the last interval), so that
  // polling costs nothing measurable on rounds of microseconds and a stop still comes within
  // milliseconds. The agreed signal is SIGINT if every worker that saw one saw SIGINT, else
  // SIGTERM.
  bool stop_agreed(std::uint64_t k) {
    static constexpr double kStopPollSeconds = 0.01;
    const int mine = stop_signal();
    double v[3] = {mine != 0 ? 1.0 : 0.0, static_cast<double>(mine),
                   ctx_.rank() == 0 ? elapsed() : 0.0};
    ctx_.comm.allreduce_sum(std::span<double>(v, 3));
    if (v[0] > 0.0) {
      agreed_signal_ = v[1] == v[0] * SIGINT ? SIGINT : SIGTERM;
      return true;
    }
    if (polled_round_ > 0 && k > polled_round_) {
      const double per_round = (v[2] - polled_elapsed_) / static_cast<double>(k - polled_round_);
      const double want = per_round > 0 ? kStopPollSeconds / per_round : 2.0 * poll_every_;
      poll_every_ = static_cast<std::uint64_t>(std::clamp(want, 1.0, 2.0 * poll_every_));
    }
    polled_round_ = k;
    polled_elapsed_ = v[2];
    next_poll_ = k + poll_every_;
    return false;
  }

  // Evaluates and logs the metrics at round k; returns true if the method must stop. With
  // `stopping` (a stop request after a round that was not due for evaluation) the row is
  // reported but kept out of the checkpoint (a resumed run's metrics.csv is that of an
  // uninterrupted run) and no stopping rule is applied (the resumed run applies them).
  bool evaluate(const Method& method, std::uint64_t k, bool stopping = false) {
    const double elapsed = this->elapsed();
    Stopwatch eval_watch;
    std::array<double, kSumCount> s{};
    s[kBitsUp] = static_cast<double>(cost_.bits_up);
    s[kBitsDown] = static_cast<double>(cost_.bits_down);
    s[kOracle] = static_cast<double>(cost_.full_grads);
    s[kSamples] = static_cast<double>(cost_.sample_grads);
    s[kInitBitsUp] = static_cast<double>(init_cost_.bits_up);
    s[kInitBitsDown] = static_cast<double>(init_cost_.bits_down);
    s[kInitOracle] = static_cast<double>(init_cost_.full_grads);
    s[kInitSamples] = static_cast<double>(init_cost_.sample_grads);
    s[kTransportBytes] = static_cast<double>(transport_sent_);
    std::span<const double> x = method.iterate();
    s[kNonFinite] = vec::all_finite(x) ? 0.0 : 1.0;
    s[kElapsed] = ctx_.rank() == 0 ? elapsed : 0.0;
    s[kInitElapsed] = ctx_.rank() == 0 ? init_elapsed_ : 0.0;
    row_.metrics.resize(instance_.metric_names().size());
    instance_.evaluate(ctx_, x, s, row_.metrics);

    const double inv_n = 1.0 / static_cast<double>(ctx_.size());
    row_.method = index_;
    row_.round = k;
    row_.cost = totals(s, kBitsUp, inv_n);
    row_.wall_s = s[kElapsed];
    if (observer_) observer_->on_row(row_);
    if (state_.keeps_snapshot && !stopping) state_.snapshot.rows.push_back(row_);

    const double primary = row_.metrics[0];
    if (k == 0) initial_ = primary;
    bool finite = s[kNonFinite] == 0.0;
    for (double v : row_.metrics) finite = finite && !std::isinf(v);
    // NaN marks an undefined secondary metric (e.g. no gap); a NaN primary is divergence.
    finite = finite && std::isfinite(primary);
    const bool blew_up = initial_ > 0 && primary > kDivergenceFactor * initial_;
    std::optional<RunStatus> status;
    if (!finite || blew_up) {
      status = RunStatus::diverged;
    } else if (cfg_.stop.target && primary <= *cfg_.stop.target) {
      status = RunStatus::converged;
    } else if (cfg_.stop.max_bits_per_worker &&
               row_.cost.bits_up >= *cfg_.stop.max_bits_per_worker) {
      status = RunStatus::max_bits;
    } else if (cfg_.stop.wall_budget_s && row_.wall_s >= *cfg_.stop.wall_budget_s) {
      status = RunStatus::wall_budget;
    } else if (k == cfg_.stop.max_rounds) {
      status = RunStatus::max_rounds;
    }
    const double eval_s = eval_watch.seconds();
    eval_seconds_ += eval_s;
    paused_ += eval_s;
    last_sums_ = s;
    if (!status || stopping) return false;
    finish(*status, k);
    return true;
  }

  // Ends the method with `status` after round k, from the last evaluation's sums and row.
  void finish(RunStatus status, std::uint64_t k) {
    const std::array<double, kSumCount>& s = last_sums_;
    const double inv_n = 1.0 / static_cast<double>(ctx_.size());
    result_.status = status;
    result_.rounds = k;
    result_.final_row = row_;
    result_.init_cost = totals(s, kInitBitsUp, inv_n);
    result_.init_wall_s = s[kInitElapsed];
    result_.wall_s = s[kElapsed];
    result_.eval_wall_s = eval_seconds_;
    result_.transport_bytes_sent = s[kTransportBytes] * inv_n;
    if (observer_) observer_->on_method_end(result_);
  }

  WorkerContext& ctx_;
  const ExperimentConfig& cfg_;
  ProblemInstance& instance_;
  RunObserver* observer_;
  std::size_t index_;
  MethodResult& result_;
  RunState& state_;
  Stopwatch watch_;
  StepCost cost_, init_cost_;
  double init_elapsed_ = 0, eval_seconds_ = 0, initial_ = 0;
  // elapsed(): the seconds of an earlier process (resume) plus this one's watch, less the
  // evaluations and checkpoints since the watch started.
  double elapsed_before_ = 0, paused_ = 0;
  std::uint64_t transport_sent_ = 0;
  MetricRow row_;
  std::array<double, kSumCount> last_sums_{};  ///< of the last evaluation (allreduced)
  std::uint64_t stopped_at_ = 0;
  std::uint64_t round_ = 0;  ///< the round running (0: initialization), for error messages
  int agreed_signal_ = 0;
  // Stop polls (stop_agreed): the next round due, the interval, and the last poll's round and
  // rank 0 clock (identical on every worker: they come from the poll's allreduce).
  std::uint64_t next_poll_ = 0, poll_every_ = 1, polled_round_ = 0;
  double polled_elapsed_ = 0;
};

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// The problem a checkpoint was written on must be the one rebuilt: the config hash pins the
// settings, this catches a data file that changed under the same name.
std::string problem_mismatch(const Checkpoint& c, const RunResult& header,
                             const std::filesystem::path& dir) {
  const std::string file = checkpoint_file(dir).string();
  if (c.metric_count != header.metric_names.size()) {
    return file + ": has " + std::to_string(c.metric_count) +
           " metrics per row; this problem has " + std::to_string(header.metric_names.size());
  }
  bool same =
      c.problem == header.problem && c.problem_constants.size() == header.problem_constants.size();
  for (const auto& [name, value] : header.problem_constants) {
    auto it = c.problem_constants.find(name);
    same = same && it != c.problem_constants.end() && same_bits(it->second, value);
  }
  if (same) return "";
  return file + ": was written on another problem (" + c.problem + ") than this config builds (" +
         header.problem +
         ") or its constants differ (the data file changed?): resume on the same data";
}

}  // namespace

RunResult run_experiment(WorkerContext& caller, const ExperimentConfig& config,
                         const ProblemSource& source, RunObserver* observer,
                         const CheckpointOptions& checkpoints) {
  // The configuration says how the server role is realized.
  WorkerContext ctx{caller.comm, caller.seed, config.topology};
  if (ctx.size() != config.workers) {
    throw InvalidArgument(config.source + ": workers = " + std::to_string(config.workers) +
                          " but the run has " + std::to_string(ctx.size()) +
                          " workers (with --backend mpi, start exactly `workers` ranks)");
  }
  // A bad checkpoint fails before any data is read.
  std::optional<Checkpoint> resume;
  if (!checkpoints.resume.empty()) {
    resume = read_checkpoint_collective(ctx, checkpoints.resume, config);
  }
  std::unique_ptr<ProblemInstance> instance = source.make_worker(ctx.rank());
  instance->prepare(ctx);

  RunResult result;
  result.metric_names = instance->metric_names();
  result.problem_constants = instance->constants();
  result.problem = source.describe();
  if (resume) agree_or_throw(ctx, problem_mismatch(*resume, result, checkpoints.resume));
  // Build every method once before running any, so that a bad setting in the last method fails
  // the run before anything is computed or written.
  for (const auto& m : config.methods) {
    std::unique_ptr<Method> built = build_method(*instance, m);
    MethodResult r;
    r.label = m.label;
    r.name = m.name;
    r.codec = built->codec();
    result.methods.push_back(std::move(r));
  }
  // The finished methods of a resumed run keep the results they had (label, name and codec
  // follow from the configuration).
  const std::size_t first = resume ? resume->running.index : 0;
  for (std::size_t i = 0; i < first; ++i) {
    MethodResult done = resume->finished[i];
    done.label = result.methods[i].label;
    done.name = result.methods[i].name;
    done.codec = result.methods[i].codec;
    result.methods[i] = std::move(done);
  }
  if (ctx.rank() != 0) observer = nullptr;
  if (observer) {
    observer->on_validated(result);
    for (std::size_t i = 0; i < first; ++i) {
      observer->on_method_start(i);
      for (const MetricRow& row : resume->rows) {
        if (row.method == i) observer->on_row(row);
      }
      observer->on_method_end(result.methods[i]);
    }
  }

  RunState state{checkpoints, {}, ctx.rank() == 0 && checkpoints.may_write()};
  if (state.keeps_snapshot) {
    Checkpoint& c = state.snapshot;
    c.config_hash = experiment_hash(config);
    c.workers = static_cast<std::uint64_t>(config.workers);
    c.method_count = config.methods.size();
    c.metric_count = result.metric_names.size();
    c.problem = result.problem;
    c.problem_constants = result.problem_constants;
    if (resume) {
      c.finished = resume->finished;
      c.rows = resume->rows;
    }
  }
  for (std::size_t i = first; i < config.methods.size(); ++i) {
    MethodRun run(ctx, config, *instance, observer, i, result.methods[i], state);
    const MethodRun::Outcome outcome = run.run(resume && i == first ? &*resume : nullptr);
    if (outcome == MethodRun::Outcome::halted) {
      result.halted = HaltPoint{i, checkpoints.halt_after};
      if (observer) observer->on_halt(*result.halted);
      return result;
    }
    if (outcome == MethodRun::Outcome::interrupted) {
      result.interrupted = HaltPoint{i, run.interrupted_round()};
      result.stop_signal = run.agreed_signal();
      for (std::size_t j = i + 1; j < config.methods.size(); ++j) {
        result.methods[j].status = RunStatus::not_started;
      }
      return result;
    }
    if (state.keeps_snapshot) state.snapshot.finished.push_back(result.methods[i]);
  }
  return result;
}

}  // namespace dcopt

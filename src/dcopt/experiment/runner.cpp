#include "dcopt/experiment/runner.hpp"

#include <array>
#include <cmath>
#include <optional>

#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/timer.hpp"
#include "dcopt/core/vec.hpp"

namespace dcopt {

const char* to_string(RunStatus s) {
  switch (s) {
    case RunStatus::converged: return "converged";
    case RunStatus::max_rounds: return "max_rounds";
    case RunStatus::max_bits: return "max_bits";
    case RunStatus::wall_budget: return "wall_budget";
    case RunStatus::diverged: return "diverged";
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
    std::unique_ptr<Method> method = instance.make_method(m.name, s);
    // The factory read every key it knows: anything left is a typo the user must hear about.
    s.reject_unused();
    return method;
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    if (what.find(s.context()) != std::string::npos) throw;
    throw InvalidArgument(s.context() + ": " + what);
  }
}

CostTotals totals(const std::array<double, kSumCount>& s, std::size_t first, double inv_n) {
  return {s[first] * inv_n, s[first + 1] * inv_n, s[first + 2] * inv_n, s[first + 3] * inv_n};
}

class MethodRun {
 public:
  MethodRun(WorkerContext& ctx, const ExperimentConfig& cfg, ProblemInstance& instance,
            RunObserver* observer, std::size_t index, MethodResult& result)
      : ctx_(ctx),
        cfg_(cfg),
        instance_(instance),
        observer_(ctx.rank() == 0 ? observer : nullptr),
        index_(index),
        result_(result) {}

  void run() {
    const MethodConfig& m = cfg_.methods[index_];
    if (observer_) observer_->on_method_start(index_);
    std::unique_ptr<Method> method = build_method(instance_, m);
    result_.parameters = method->parameters();

    TrafficMeter& meter = ctx_.comm.meter();
    const std::uint64_t sent_before = meter.total().bytes_sent;
    watch_.reset();
    init_cost_ = method->init(ctx_);
    init_elapsed_ = watch_.seconds();
    transport_sent_ = meter.total().bytes_sent - sent_before;

    const std::uint64_t max_rounds = cfg_.stop.max_rounds;
    const std::uint64_t every = cfg_.stop.eval_every;
    if (evaluate(*method, 0)) return;
    for (std::uint64_t k = 1; k <= max_rounds; ++k) {
      const std::uint64_t before = meter.total().bytes_sent;
      cost_ += method->step(ctx_, k);
      transport_sent_ += meter.total().bytes_sent - before;
      if (observer_) observer_->on_round(k, static_cast<double>(cost_.bits_up));
      if (k % every == 0 || k == max_rounds || bit_budget_spent()) {
        if (evaluate(*method, k)) return;
      }
    }
  }

 private:
  // With a bit budget, every round checks the mean cumulative uplink over workers (one
  // 8-byte allreduce, not method traffic) so that the method stops at the exact round that
  // spends the budget, whatever eval_every is. Without one, nothing is exchanged.
  bool bit_budget_spent() {
    if (!cfg_.stop.max_bits_per_worker) return false;
    double bits = static_cast<double>(cost_.bits_up);
    ctx_.comm.allreduce_sum(std::span<double>(&bits, 1));
    return bits / static_cast<double>(ctx_.size()) >= *cfg_.stop.max_bits_per_worker;
  }

  // Evaluates and logs the metrics at round k; returns true if the method must stop.
  bool evaluate(const Method& method, std::uint64_t k) {
    const double elapsed = watch_.seconds() - eval_seconds_;
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
    eval_seconds_ += eval_watch.seconds();
    if (!status) return false;

    result_.status = *status;
    result_.rounds = k;
    result_.final_row = row_;
    result_.init_cost = totals(s, kInitBitsUp, inv_n);
    result_.init_wall_s = s[kInitElapsed];
    result_.wall_s = s[kElapsed];
    result_.eval_wall_s = eval_seconds_;
    result_.transport_bytes_sent = s[kTransportBytes] * inv_n;
    if (observer_) observer_->on_method_end(result_);
    return true;
  }

  WorkerContext& ctx_;
  const ExperimentConfig& cfg_;
  ProblemInstance& instance_;
  RunObserver* observer_;
  std::size_t index_;
  MethodResult& result_;
  Stopwatch watch_;
  StepCost cost_, init_cost_;
  double init_elapsed_ = 0, eval_seconds_ = 0, initial_ = 0;
  std::uint64_t transport_sent_ = 0;
  MetricRow row_;
};

}  // namespace

RunResult run_experiment(WorkerContext& ctx, const ExperimentConfig& config,
                         const ProblemSource& source, RunObserver* observer) {
  if (ctx.size() != config.workers) {
    throw InvalidArgument(config.source + ": workers = " + std::to_string(config.workers) +
                          " but the run has " + std::to_string(ctx.size()) +
                          " workers (with --backend mpi, start exactly `workers` ranks)");
  }
  std::unique_ptr<ProblemInstance> instance = source.make_worker(ctx.rank());
  instance->prepare(ctx);

  RunResult result;
  result.metric_names = instance->metric_names();
  result.problem_constants = instance->constants();
  result.problem = source.describe();
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
  if (ctx.rank() == 0 && observer) observer->on_validated(result);

  for (std::size_t i = 0; i < config.methods.size(); ++i) {
    MethodRun(ctx, config, *instance, observer, i, result.methods[i]).run();
  }
  return result;
}

}  // namespace dcopt

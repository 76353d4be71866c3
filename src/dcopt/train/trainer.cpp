#include "dcopt/train/trainer.hpp"

#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>

#include "dcopt/comm/timed_comm.hpp"
#include "dcopt/compress/layered_compressor.hpp"
#include "dcopt/compress/powersgd.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/core/stop_request.hpp"
#include "dcopt/core/timer.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/experiment/checkpoint_file.hpp"
#include "dcopt/methods/estimators/stateful_averaging_estimator.hpp"
#include "dcopt/methods/options/method_options.hpp"
#include "dcopt/optim/gradient_clipping.hpp"
#include "dcopt/optim/lr_schedule.hpp"
#include "dcopt/optim/optimizer_config.hpp"
#include "dcopt/optim/update_rule.hpp"
#include "dcopt/train/flat_parameters.hpp"
#include "dcopt/train/gradient_exchange.hpp"
#include "dcopt/train/image_task.hpp"
#include "dcopt/train/torch_threads.hpp"
#include "dcopt/train/train_checkpoint.hpp"

namespace dcopt::train {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One worker's cumulative counters.
struct Counters {
  StepCost cost;
  std::uint64_t step = 0;
};

class Worker {
 public:
  Worker(Communicator& comm, const TrainConfig& cfg, TrainTask& task, TrainObserver* observer,
         const CheckpointOptions& ck)
      : cfg_(cfg),
        task_(task),
        flat_(task.flat()),
        observer_(observer),
        ck_(ck),
        timed_(comm),
        ctx_{comm, cfg.seed},
        est_ctx_{timed_, cfg.seed, cfg.topology},
        optimizer_settings_(cfg.optimizer),
        communication_settings_(cfg.communication) {
    const std::vector<std::size_t> shards = task.shard_sizes();
    if (shards.size() != static_cast<std::size_t>(comm.size())) {
      throw InvalidArgument("the task has " + std::to_string(shards.size()) + " shards for " +
                            std::to_string(comm.size()) + " workers");
    }
    steps_per_epoch_ = std::numeric_limits<std::uint64_t>::max();
    for (std::size_t s : shards) {
      steps_per_epoch_ = std::min<std::uint64_t>(steps_per_epoch_, s / task.batch());
    }
    steps_per_epoch_ = std::max<std::uint64_t>(steps_per_epoch_, 1);
    total_ = cfg.loop.steps > 0 ? cfg.loop.steps : cfg.loop.epochs * steps_per_epoch_;
    eval_every_ = cfg.loop.eval_every > 0 ? cfg.loop.eval_every : steps_per_epoch_;

    EstimatorSetup setup;
    setup.dim = flat_.size();
    setup.workers = comm.size();
    setup.samples_min = *std::min_element(shards.begin(), shards.end());
    setup.samples_max = *std::max_element(shards.begin(), shards.end());
    setup.layout = flat_.layout();
    estimator_ = make_gradient_exchange(cfg.method, communication_settings_, setup, streams_);
    rule_ = make_update_rule(optimizer_settings_, flat_.layout());
    schedule_ = read_lr_schedule(
        optimizer_settings_, total_,
        static_cast<std::uint64_t>(task.batch()) * static_cast<std::uint64_t>(comm.size()));
    clip_ = read_clip_grad_norm(optimizer_settings_);
    optimizer_settings_.reject_unused();
    g_.resize(flat_.size());
  }

  TrainResult run() {
    TrainResult result;
    result.header = {task_.describe(), flat_.layout(),   cfg_.method,          rule_->spec(),
                     total_,           steps_per_epoch_, task_.extra_metrics()};
    if (observer_) observer_->on_start(result.header);

    bool fresh = true;
    if (!ck_.resume.empty()) {
      resume(result);
      fresh = false;
    }
    if (fresh) {
      Stopwatch w;
      task_.begin_step(1, 0);
      counters_.cost += estimator_->init(est_ctx_, task_.oracle(), flat_.params());
      wall_s_ += w.seconds();
      task_.take_loss();
      log_row(result, 0);
    }
    result.status = "finished";
    while (counters_.step < total_) {
      const std::uint64_t k = counters_.step + 1;
      task_.begin_step(k, (k - 1) / steps_per_epoch_);
      Stopwatch step_watch;
      const double compute0 = task_.compute_seconds();
      const TaskTimes times0 = task_.times();
      const double comm0 = timed_.seconds();
      double update_s = 0;
      if (estimator_->timing() == EstimateTiming::before_step) {
        counters_.cost += estimator_->update(est_ctx_, task_.oracle(), flat_.params(), k);
        update_s = apply_update(k);
      } else {
        update_s = apply_update(k);
        counters_.cost += estimator_->update(est_ctx_, task_.oracle(), flat_.params(), k);
      }
      const double total_s = step_watch.seconds();
      wall_s_ += total_s;
      result.step_seconds.push_back(total_s);
      const double compute = task_.compute_seconds() - compute0;
      const TaskTimes times = task_.times();
      split_.forward_s += times.forward_s - times0.forward_s;
      split_.backward_s += times.backward_s - times0.backward_s;
      split_.perturbation_s += times.perturbation_s - times0.perturbation_s;
      const double comm = timed_.seconds() - comm0;
      split_.compute_s += compute;
      split_.communication_s += comm;
      split_.update_s += update_s;
      split_.compression_s += std::max(0.0, total_s - compute - comm - update_s);
      counters_.step = k;
      const LossTally& t = task_.loss();
      const double last = t.batches ? t.loss_sum / static_cast<double>(t.batches) : kNaN;
      if (observer_) {
        observer_->on_step(k, epoch(k), last, static_cast<double>(counters_.cost.bits_up));
      }
      const bool finite =
          (t.batches == 0 || std::isfinite(last)) && std::isfinite(last_grad_norm_sq_);
      const Agreement a = agree(finite);
      if (a.diverged) {
        result.status = "diverged";
        log_row(result, k);
        break;
      }
      if (a.stop_signal != 0 && ck_.on_stop) {
        // The checkpoint holds the rows of an uninterrupted run; the row of this step is the
        // interrupted output's last row only. --resume then continues as if nothing happened.
        if (!ck_.dir.empty()) write_checkpoint(result);
        if (k % eval_every_ != 0 && k != total_) log_row(result, k);
        result.status = "interrupted";
        result.stop_signal = a.stop_signal;
        break;
      }
      if (k % eval_every_ == 0 || k == total_) log_row(result, k);
      if (ck_.due(k)) {
        write_checkpoint(result);
        if (ck_.halts(k)) {
          result.status = "halted";
          break;
        }
      }
    }
    if (ctx_.rank() == 0) result.traffic_per_tensor = traffic_per_tensor();
    if (ctx_.rank() == 0 && result.status != "halted") result.artifacts = task_.artifacts();
    result.steps = counters_.step;
    result.split = split_;
    result.wall_s = wall_s_;
    return result;
  }

 private:
  double epoch(std::uint64_t k) const {
    return static_cast<double>(k) / static_cast<double>(steps_per_epoch_);
  }

  // g = the estimate (copied: clipping must not touch the estimator's state), clipped, then the
  // update rule's step with the schedule's rate for step k-1.
  double apply_update(std::uint64_t k) {
    Stopwatch w;
    const std::span<const float> est = estimator_->estimate();
    std::copy(est.begin(), est.end(), g_.begin());
    last_grad_norm_sq_ = vec::dot(std::span<const float>(g_), std::span<const float>(g_));
    if (clip_ > 0) clip_global_norm(g_, clip_);
    rule_->step(flat_.params(), g_, schedule_.lr(k - 1));
    return w.seconds();
  }

  struct Agreement {
    bool diverged = false;
    int stop_signal = 0;  ///< SIGINT or SIGTERM if any worker's process was asked to stop
  };

  // One small collective per step: did any worker see a non-finite loss or estimate, and did a
  // stop request (core/stop_request.hpp) reach any of them. Every worker gets the same answer.
  Agreement agree(bool finite) {
    const int sig = stop_signal();
    double v[3] = {finite ? 0.0 : 1.0, sig != 0 ? 1.0 : 0.0, static_cast<double>(sig)};
    ctx_.comm.allreduce_sum(std::span<double>(v, 3));
    Agreement a;
    a.diverged = v[0] > 0.0;
    if (v[1] > 0.0) a.stop_signal = v[2] == v[1] * SIGINT ? SIGINT : SIGTERM;
    return a;
  }

  void log_row(TrainResult& result, std::uint64_t k) {
    const LossTally t = task_.take_loss();
    double sums[5] = {
        t.loss_sum, static_cast<double>(t.batches), static_cast<double>(counters_.cost.bits_up),
        static_cast<double>(counters_.cost.bits_down), static_cast<double>(task_.sample_grads())};
    ctx_.comm.allreduce_sum(std::span<double>(sums, 5));
    const double n = static_cast<double>(ctx_.size());
    const TaskEvaluation e = task_.evaluate(ctx_);
    TrainRow row;
    row.epoch = epoch(k);
    row.step = k;
    row.train_loss = sums[1] > 0 ? sums[0] / sums[1] : kNaN;
    row.test_loss = e.loss;
    row.test_acc = e.accuracy;
    row.grad_norm_sq = k == 0 && estimator_->timing() == EstimateTiming::before_step
                           ? kNaN
                           : norm_sq_of_estimate();
    row.bits_up = sums[2] / n;
    row.bits_down = sums[3] / n;
    row.sample_grads = sums[4] / n;
    row.wall_s = wall_s_;
    row.extra = e.extra;
    result.rows.push_back(row);
    if (observer_) observer_->on_row(row);
  }

  double norm_sq_of_estimate() const {
    const std::span<const float> est = estimator_->estimate();
    return vec::dot(est, est);
  }

  std::vector<TensorTraffic> traffic_per_tensor() const {
    std::vector<TensorTraffic> out;
    const ParamLayout& layout = flat_.layout();
    if (const auto* sa = dynamic_cast<const StatefulAveragingEstimator<float>*>(estimator_.get())) {
      if (const auto* ps = dynamic_cast<const PowerSgdCompressor<float>*>(&sa->compressor())) {
        for (const auto& m : ps->matrices()) {
          out.push_back({layout[m.tensor].name, layout[m.tensor].numel(),
                         "powersgd rank " + std::to_string(m.rank),
                         32 * m.rank * (m.rows + m.cols)});
        }
        for (std::size_t t : ps->dense_tensors()) {
          out.push_back({layout[t].name, layout[t].numel(), "dense fp32", 32 * layout[t].numel()});
        }
      }
      return out;
    }
    Settings s = communication_settings_;
    if (s.string("codec", "").find("->") == std::string::npos) return out;
    const CompressorPtr codec = read_codec(s, "identity", layout);
    const auto* layered = dynamic_cast<const LayeredCompressor*>(codec.get());
    if (layered == nullptr) return out;
    std::vector<TensorWireBits> report(layout.num_tensors());
    Message msg;
    Rng rng(cfg_.seed, Purpose::test);
    layered->encode_with_report(flat_.grads(), rng, msg, report);
    for (std::size_t t = 0; t < layout.num_tensors(); ++t) {
      out.push_back({layout[t].name, layout[t].numel(), layered->assignment()[t].codec->spec(),
                     report[t].total()});
    }
    return out;
  }

  std::string worker_state() const {
    StateWriter w;
    flat_.layout().write_state(w);
    w.f32s("params", flat_.params());
    task_.save(w);
    estimator_->save(w);
    rule_->save(w);
    w.u64("bits_up", counters_.cost.bits_up);
    w.u64("bits_down", counters_.cost.bits_down);
    w.u64("full_grads", counters_.cost.full_grads);
    w.u64("cost_sample_grads", counters_.cost.sample_grads);
    w.f64("last_grad_norm_sq", last_grad_norm_sq_);
    const std::vector<std::uint8_t>& b = w.bytes();
    return std::string(b.begin(), b.end());
  }

  void load_worker_state(const std::string& bytes, const std::string& what) {
    StateReader r(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                                bytes.size()),
                  what);
    expect_same_layout(ParamLayout::read_state(r), flat_.layout(), what);
    r.f32s("params", flat_.params());
    task_.load(r, what);
    estimator_->load(r);
    rule_->load(r);
    counters_.cost.bits_up = r.u64("bits_up");
    counters_.cost.bits_down = r.u64("bits_down");
    counters_.cost.full_grads = r.u64("full_grads");
    counters_.cost.sample_grads = r.u64("cost_sample_grads");
    last_grad_norm_sq_ = r.f64("last_grad_norm_sq");
    r.expect_end();
  }

  void write_checkpoint(const TrainResult& result) {
    const std::string mine = worker_state();
    std::vector<Bytes> states;
    ctx_.comm.gather(std::span<const std::uint8_t>(
                         reinterpret_cast<const std::uint8_t*>(mine.data()), mine.size()),
                     0, states);
    std::string error;
    if (ctx_.rank() == 0) {
      TrainCheckpoint c;
      c.config_hash = train_config_hash(cfg_);
      c.workers = static_cast<std::uint64_t>(ctx_.size());
      c.step = counters_.step;
      c.wall_s = wall_s_;
      c.split = split_;
      c.rows = result.rows;
      for (const Bytes& s : states) c.worker_states.emplace_back(s.begin(), s.end());
      try {
        write_checkpoint_file(ck_.dir, encode_train_checkpoint(c));
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    Bytes status(error.begin(), error.end());
    ctx_.comm.broadcast(status, 0);
    if (!status.empty()) throw std::runtime_error(std::string(status.begin(), status.end()));
  }

  void resume(TrainResult& result) {
    const std::string file = checkpoint_file(ck_.resume).string();
    Bytes bytes;
    std::string error;
    if (ctx_.rank() == 0) {
      try {
        bytes = read_checkpoint_file(ck_.resume);
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    Bytes status(error.begin(), error.end());
    ctx_.comm.broadcast(status, 0);
    if (!status.empty()) throw InvalidArgument(std::string(status.begin(), status.end()));
    ctx_.comm.broadcast(bytes, 0);
    const TrainCheckpoint c = decode_train_checkpoint(bytes, file);
    if (c.workers != static_cast<std::uint64_t>(ctx_.size())) {
      throw DataError(file + ": written by a run of " + std::to_string(c.workers) +
                      " workers; this run has " + std::to_string(ctx_.size()));
    }
    if (c.config_hash != train_config_hash(cfg_)) {
      throw DataError(file + ": written by another configuration (hash " + c.config_hash +
                      ", this run's is " + train_config_hash(cfg_) +
                      "); resume with the same config file and --set values");
    }
    load_worker_state(c.worker_states.at(static_cast<std::size_t>(ctx_.rank())), file);
    counters_.step = c.step;
    wall_s_ = c.wall_s;
    split_ = c.split;
    result.rows = c.rows;
    if (observer_) {
      for (const TrainRow& r : c.rows) observer_->on_row(r);
    }
  }

  const TrainConfig& cfg_;
  TrainTask& task_;
  FlatParameters& flat_;
  TrainObserver* observer_;
  const CheckpointOptions& ck_;
  TimedComm timed_;
  WorkerContext ctx_;      // metrics, evaluation, checkpoints (not timed)
  WorkerContext est_ctx_;  // the estimator's communication (timed)
  // This worker's copies of the config's tables: a Settings records which keys were read, so
  // the workers' threads must not read one shared table (a data race).
  Settings optimizer_settings_, communication_settings_;
  StreamPlan streams_;
  std::unique_ptr<GradientEstimator<float>> estimator_;
  std::unique_ptr<UpdateRule> rule_;
  LrSchedule schedule_;
  double clip_ = 0;
  std::vector<float> g_;
  std::uint64_t steps_per_epoch_ = 1, total_ = 0, eval_every_ = 1;
  Counters counters_;
  StepSplit split_;
  double wall_s_ = 0;
  double last_grad_norm_sq_ = 0;
};

}  // namespace

TrainResult train_worker(Communicator& comm, const TrainConfig& cfg, const TaskFactory& make_task,
                         TrainObserver* observer, const CheckpointOptions& ck) {
  if (comm.size() != cfg.workers) {
    throw InvalidArgument(cfg.source + ": workers = " + std::to_string(cfg.workers) + " but " +
                          std::to_string(comm.size()) + " workers were started");
  }
  // OpenMP's thread count is a per-thread setting: a worker thread of the threads backend does
  // not inherit the main thread's, and its oneDNN convolutions would run on every core.
  configure_torch_threads(cfg.loop.threads);
  const std::unique_ptr<TrainTask> task = make_task();
  Worker w(comm, cfg, *task, observer, ck);
  return w.run();
}

TrainResult train_worker(Communicator& comm, const TrainConfig& cfg, const TrainData& data,
                         TrainObserver* observer, const CheckpointOptions& ck) {
  const int rank = comm.rank();
  return train_worker(
      comm, cfg, [&] { return std::make_unique<ImageTask>(cfg, data, rank); }, observer, ck);
}

}  // namespace dcopt::train

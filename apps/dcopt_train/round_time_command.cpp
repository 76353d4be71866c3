#include "round_time_command.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "dcopt/comm/mpi_comm.hpp"
#include "dcopt/comm/recording_comm.hpp"
#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/atomic_file.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"
#include "dcopt/core/timer.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/stream_plan.hpp"
#include "dcopt/methods/estimators/estimator_setup.hpp"
#include "dcopt/train/gradient_exchange.hpp"
#include "dcopt/train/models/transformer_config.hpp"
#include "dcopt/train/text_model.hpp"
#include "dcopt/train/text_train_config.hpp"
#include "output_lock.hpp"
#include "text_commands.hpp"

namespace dcopt::cli {
namespace {

struct RoundTimeOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string backend = "threads";
  int rounds = 20;
  int repeats = 5;
  int warmup = 3;
  std::string out;
};

// As dcopt train's default --collective-timeout: a worker that stops responding ends the run
// with an error instead of a hang.
constexpr double kCollectiveTimeout = 300;
// Every worker's "local sample count" for the estimators' minibatch defaults: large, so that no
// method finds its minibatch larger than the data (the samples are never read).
constexpr std::size_t kSamples = std::size_t{1} << 20;

// A worker's gradient, the same at every x: entries N(0, (1e-3)^2) from
// Rng(seed, Purpose::test, rank), a stream no training run draws from. The codecs' and the
// methods' time depends on the tensors' sizes, not on the values (int8 scales and rounds every
// entry, PowerSGD multiplies the same matrices whatever they hold), so a fixed vector stands
// for a real gradient. gradient() and minibatch_gradient() return a view of it (no copy, nothing
// to time); the difference of two points (VR methods) writes d zeros, timed, and the round's
// time excludes it.
class FixedGradientOracle final : public GradientOracle<float> {
 public:
  FixedGradientOracle(std::size_t dim, std::uint64_t seed, int rank) : g_(dim) {
    Rng rng(seed, Purpose::test, static_cast<std::uint64_t>(rank));
    for (float& v : g_) v = static_cast<float>(1e-3 * rng.normal());
  }
  std::size_t dim() const override { return g_.size(); }
  std::size_t num_samples() const override { return kSamples; }
  std::span<const float> gradient(std::span<const float>) override { return g_; }
  std::span<const float> minibatch_gradient(std::span<const float>,
                                            std::span<const std::uint32_t>) override {
    return g_;
  }
  void minibatch_gradient_difference(std::span<const float>, std::span<const float>,
                                     std::span<const std::uint32_t>,
                                     std::span<float> out) override {
    const Stopwatch w;
    vec::fill(out, 0.0f);
    seconds_ += w.seconds();
  }
  /// Seconds spent in the oracle so far.
  double seconds() const { return seconds_; }

 private:
  std::vector<float> g_;
  double seconds_ = 0;
};

// The network whose gradient is exchanged: built once per process, read by every worker.
struct RoundModel {
  std::string description;
  ParamLayout layout;
  std::vector<float> params;
};

RoundModel build_model(const train::TextTrainConfig& cfg) {
  const Settings model = cfg.base.model;  // a copy: a Settings records which keys were read
  const train::TransformerConfig config = train::read_transformer_config(
      model, static_cast<int>(cfg.data.tokenizer.vocab_size), /*labels=*/0);
  train::TextModel net(config, cfg.base.seed);
  const std::span<const float> p = std::as_const(net).flat().params();
  return {config.describe(), net.flat().layout(), std::vector<float>(p.begin(), p.end())};
}

// What the measurement found (on rank 0: the times are the maxima over the workers).
struct RoundTimes {
  std::vector<double> round_ms;  ///< per timed round, the slowest worker's
  StepCost cost;                 ///< this worker's, of the recorded round
  std::vector<CollectiveRecord> collectives;
};

RoundTimes measure(Communicator& comm, const train::TextTrainConfig& cfg, const RoundModel& model,
                   const RoundTimeOptions& o) {
  comm.set_collective_timeout(kCollectiveTimeout);
  // This worker's copy: the workers' threads must not mark keys of one shared table as read.
  const Settings settings = cfg.base.communication;
  EstimatorSetup setup;
  setup.dim = model.params.size();
  setup.workers = comm.size();
  setup.samples_min = kSamples;
  setup.samples_max = kSamples;
  setup.layout = model.layout;
  StreamPlan streams;
  const std::unique_ptr<GradientEstimator<float>> estimator =
      train::make_gradient_exchange(cfg.base.method, settings, setup, streams);
  RecordingComm recorder(comm);
  WorkerContext ctx{recorder, cfg.base.seed, cfg.base.topology};
  FixedGradientOracle oracle(setup.dim, cfg.base.seed, comm.rank());
  const std::span<const float> x(model.params);

  estimator->init(ctx, oracle, x);
  std::uint64_t k = 0;
  for (int i = 0; i < o.warmup; ++i) estimator->update(ctx, oracle, x, ++k);
  const std::size_t timed =
      static_cast<std::size_t>(o.rounds) * static_cast<std::size_t>(o.repeats);
  std::vector<double> mine(timed);
  for (std::size_t i = 0; i < timed; ++i) {
    comm.barrier();
    const double oracle0 = oracle.seconds();
    const Stopwatch w;
    estimator->update(ctx, oracle, x, ++k);
    const double s = w.seconds();
    mine[i] = 1e3 * (s - (oracle.seconds() - oracle0));
  }
  comm.barrier();
  RoundTimes out;
  recorder.start();
  out.cost = estimator->update(ctx, oracle, x, ++k);
  recorder.stop();
  out.collectives = recorder.records();

  // Every worker's times to every worker (once, after the timing), then the maximum per round.
  std::vector<Bytes> all;
  comm.allgather(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(mine.data()),
                                               mine.size() * sizeof(double)),
                 all);
  out.round_ms = mine;
  std::vector<double> theirs(timed);
  for (const Bytes& b : all) {
    if (b.size() != timed * sizeof(double)) {
      throw CommError("round-time: a worker reported " + std::to_string(b.size()) +
                      " bytes of round times, expected " + std::to_string(timed * sizeof(double)));
    }
    std::memcpy(theirs.data(), b.data(), b.size());
    for (std::size_t i = 0; i < timed; ++i) out.round_ms[i] = std::max(out.round_ms[i], theirs[i]);
  }
  return out;
}

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
  bool has_std = false;  ///< K >= 2
};

Stats stats(const std::vector<double>& v) {
  Stats s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  if (v.size() >= 2) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(ss / static_cast<double>(v.size() - 1));
    s.has_std = true;
  }
  return s;
}

void report(const RoundTimeOptions& o, const train::TextTrainConfig& cfg, const RoundModel& model,
            const RoundTimes& t, const std::string& backend) {
  const std::size_t r = static_cast<std::size_t>(o.rounds);
  std::vector<double> repeat_ms(static_cast<std::size_t>(o.repeats), 0.0);
  for (std::size_t i = 0; i < repeat_ms.size(); ++i) {
    for (std::size_t j = 0; j < r; ++j) repeat_ms[i] += t.round_ms[i * r + j];
    repeat_ms[i] /= static_cast<double>(r);
  }
  const Stats s = stats(repeat_ms);

  nlohmann::ordered_json j;  // the fields in the order docs/TRAIN.md lists them
  j["config"] = o.config;
  j["model"] = model.description;
  j["params"] = model.params.size();
  j["method"] = cfg.base.method;
  const nlohmann::ordered_json echo = nlohmann::ordered_json::parse(cfg.base.echo_json);
  j["communication"] =
      echo.contains("communication") ? echo["communication"] : nlohmann::ordered_json::object();
  j["workers"] = cfg.base.workers;
  j["backend"] = backend;
  j["rounds"] = o.rounds;
  j["repeats"] = o.repeats;
  j["warmup"] = o.warmup;
  j["bits_up_per_worker"] = t.cost.bits_up;
  j["bits_down_per_worker"] = t.cost.bits_down;
  j["round_ms"] = {
      {"mean", s.mean},
      {"std", s.has_std ? nlohmann::ordered_json(s.std) : nlohmann::ordered_json(nullptr)},
      {"min", s.min},
      {"max", s.max}};
  j["repeat_ms"] = repeat_ms;
  j["round_ms_all"] = t.round_ms;
  nlohmann::ordered_json calls = nlohmann::ordered_json::array();
  for (const CollectiveRecord& c : t.collectives) {
    calls.push_back({{"kind", std::string(to_string(c.kind))},
                     {"bytes", c.bytes},
                     {"sent", c.sent},
                     {"received", c.received}});
  }
  j["collectives"] = calls;

  std::string spread = "std ";
  if (s.has_std) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3g", s.std);
    spread += buf;
  } else {
    spread += "n/a";
  }
  std::printf(
      "round-time: %s, %zu params, %d workers (%s), %s: %.3f ms per round (%s, min %.3f, max "
      "%.3f over %d repeats of %d rounds), %.4g bits up / %.4g down per worker, %zu "
      "collective(s)\n",
      model.description.c_str(), model.params.size(), cfg.base.workers, backend.c_str(),
      j["communication"].dump().c_str(), s.mean, spread.c_str(), s.min, s.max, o.repeats, o.rounds,
      static_cast<double>(t.cost.bits_up), static_cast<double>(t.cost.bits_down),
      t.collectives.size());
  if (!o.out.empty()) {
    const std::string text = j.dump(2) + "\n";
    write_file_atomically(o.out, text, "the round-time result");
    std::printf("wrote %s\n", o.out.c_str());
  }
}

int run_threads_backend(const RoundTimeOptions& o, const train::TextTrainConfig& cfg,
                        const RoundModel& model) {
  RoundTimes result;
  // No torch in the workers: ThreadComm's default fibers on a pool of one thread per core.
  run_threads(cfg.base.workers, [&](Communicator& comm) {
    RoundTimes t = measure(comm, cfg, model, o);
    if (comm.rank() == 0) result = std::move(t);
  });
  report(o, cfg, model, result, "threads");
  return 0;
}

int run_mpi_backend(const RoundTimeOptions& o, const train::TextTrainConfig& cfg,
                    const RoundModel& model) {
  MpiComm comm;
  expect_one_rank_per_worker(comm, cfg.base.workers, cfg.base.source);
  try {
    const RoundTimes t = measure(comm, cfg, model, o);
    if (comm.rank() == 0) report(o, cfg, model, t, "mpi");
    comm.barrier();
    return 0;
  } catch (const InvalidArgument&) {
    throw;  // deterministic (a [communication] key): every rank fails the same way
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dcopt: error (rank %d): %s\n", comm.rank(), e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}

int run_round_time(const RoundTimeOptions& o) {
  // Every rank keeps the R*K times of every rank for a moment: bound them (80 MB per rank).
  if (static_cast<std::uint64_t>(o.rounds) * static_cast<std::uint64_t>(o.repeats) > 10'000'000) {
    throw InvalidArgument("round-time: --rounds x --repeats = " +
                          std::to_string(static_cast<std::uint64_t>(o.rounds) *
                                         static_cast<std::uint64_t>(o.repeats)) +
                          " timed rounds; at most 10000000");
  }
  const train::TextTrainConfig cfg =
      train::load_text_train_config(o.config, TextCommand::pretrain, o.overrides, text_data_root());
  const RoundModel model = build_model(cfg);
  if (o.backend == "mpi") {
    // As dcopt train: a rank waiting in a collective yields its core (OpenMPI reads this before
    // MPI_Init; an explicit --mca or environment value wins). With fewer cores than ranks a
    // busy-polling rank would take the core of one still compressing.
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", /*overwrite=*/0);
    MpiSession session;
    return run_mpi_backend(o, cfg, model);
  }
  return run_threads_backend(o, cfg, model);
}

}  // namespace

void add_round_time_command(CLI::App& app, TrainAction& action) {
  auto* cmd = app.add_subcommand(
      "round-time",
      "Wall time of one communication round of a pretrain file's [communication] set-up on its "
      "model, the exchange alone, with the bits and collectives per round (docs/TRAIN.md)");
  auto o = std::make_shared<RoundTimeOptions>();
  cmd->add_option("config", o->config,
                  "Pre-training file (TOML, as for dcopt pretrain): its [model], [tokenizer] "
                  "vocab_size, workers, seed, topology and [communication] are used")
      ->required();
  cmd->add_option("--set", o->overrides,
                  "Override a key by dotted path, e.g. communication.codec=int8 (repeatable; "
                  "value parsed as TOML, bare words as strings)");
  cmd->add_option("--backend", o->backend,
                  "threads: workers as threads of this process; mpi: one worker per MPI rank "
                  "(mpirun -np <workers> --bind-to none)")
      ->capture_default_str()
      ->check(CLI::IsMember({"threads", "mpi"}));
  cmd->add_option("--rounds", o->rounds, "Timed rounds per repeat (R >= 1)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--repeats", o->repeats,
                  "Repeats (K >= 1): the spread is over the K per-repeat means")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--warmup", o->warmup, "Untimed rounds before the first repeat (W >= 0)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--out", o->out, "Also write the result as JSON to this file (atomically)");
  cmd->callback([&action, o] { action = [o] { return run_round_time(*o); }; });
}

}  // namespace dcopt::cli

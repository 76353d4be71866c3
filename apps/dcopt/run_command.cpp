#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dcopt/comm/mpi_comm.hpp"
#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/stop_request.hpp"
#include "dcopt/experiment/checkpoint_file.hpp"
#include "dcopt/experiment/output_writer.hpp"
#include "dcopt/experiment/problem_source.hpp"
#include "dcopt/experiment/runner.hpp"
#include "output_lock.hpp"

namespace dcopt::cli {
namespace {

struct Options {
  std::string config;
  std::string out;
  std::vector<std::string> overrides;
  std::string backend = "threads";
  bool quiet = false;
  std::uint64_t checkpoint_every = 0;
  std::string checkpoint_dir;
  std::string resume;
  std::uint64_t halt_after = 0;
  double collective_timeout = 300;
  int threads = 0;
};

void report(const std::filesystem::path& out, const RunResult& result,
            const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::fprintf(stderr, "dcopt: warning: %s\n", w.c_str());
  std::printf("wrote %s\n", out.string().c_str());
  for (const auto& m : result.methods) {
    std::printf("  %-32s %-11s rounds %-8llu %s %.6g\n", m.label.c_str(), to_string(m.status),
                static_cast<unsigned long long>(m.rounds), result.metric_names.at(0).c_str(),
                m.final_row.metrics.empty() ? 0.0 : m.final_row.metrics[0]);
  }
}

// A halted run wrote a checkpoint and nothing else: say how to go on.
void report_halt(const RunResult& result, const CheckpointOptions& ck,
                 const std::filesystem::path& out) {
  const HaltPoint& h = *result.halted;
  std::printf(
      "halted after round %llu of method '%s' (%zu/%zu); checkpoint %s\n"
      "resume with --resume %s (same config and --set values); nothing was written to %s\n",
      static_cast<unsigned long long>(h.round), result.methods.at(h.method).label.c_str(),
      h.method + 1, result.methods.size(), checkpoint_file(ck.dir).string().c_str(),
      ck.dir.string().c_str(), out.string().c_str());
}

// A stop request ended the run: the outputs so far were written; say where and how to go on.
int report_interrupt(const RunResult& result, const CheckpointOptions& ck,
                     const std::filesystem::path& out) {
  const HaltPoint& h = *result.interrupted;
  std::printf(
      "interrupted after round %llu of method '%s' (%zu/%zu); results so far in %s (status "
      "interrupted), checkpoint %s\n"
      "resume with --resume %s (same config and --set values)\n",
      static_cast<unsigned long long>(h.round), result.methods.at(h.method).label.c_str(),
      h.method + 1, result.methods.size(), out.string().c_str(),
      checkpoint_file(ck.dir).string().c_str(), ck.dir.string().c_str());
  std::fflush(stdout);
  return stop_exit_code(result.stop_signal);
}

int run_threads_backend(const ExperimentConfig& cfg, const std::filesystem::path& out, bool quiet,
                        const CheckpointOptions& ck, double timeout, int threads) {
  // The data are read (or generated) once and shared read-only by the worker threads.
  std::unique_ptr<ProblemSource> source = make_problem_source(cfg.problem, cfg.workers, cfg.seed);
  OutputWriter writer(cfg, out, !quiet);
  RunResult result;
  ThreadRunOptions pool;
  pool.threads = threads;
  pool.migrate = true;  // the runner keeps no thread-local state across collectives
  run_threads(
      cfg.workers,
      [&](Communicator& comm) {
        comm.set_collective_timeout(timeout);
        WorkerContext ctx{comm, cfg.seed};
        RunResult r = run_experiment(ctx, cfg, *source, comm.rank() == 0 ? &writer : nullptr, ck);
        if (comm.rank() == 0) result = std::move(r);
      },
      pool);
  if (result.halted) {
    report_halt(result, ck, out);  // the writer's staging directory goes with it
    return 0;
  }
  if (result.interrupted) {
    report(out, result, writer.finish(result, "threads"));
    return report_interrupt(result, ck, out);
  }
  report(out, result, writer.finish(result, "threads"));
  if (ck.writes()) remove_checkpoint(ck.dir);
  return 0;
}

int run_mpi_backend(const ExperimentConfig& cfg, const std::filesystem::path& out, bool quiet,
                    const CheckpointOptions& ck, double timeout) {
  MpiSession session;
  MpiComm comm;
  comm.set_collective_timeout(timeout);
  expect_one_rank_per_worker(comm, cfg.workers, cfg.source);
  const bool root = comm.rank() == 0;
  // Rank 0 writes the outputs, so it holds the lock.
  const std::unique_ptr<OutputLock> lock = lock_output_on_root(comm, out);
  try {
    std::unique_ptr<ProblemSource> source = make_problem_source(cfg.problem, cfg.workers, cfg.seed);
    std::unique_ptr<OutputWriter> writer;
    if (root) writer = std::make_unique<OutputWriter>(cfg, out, !quiet);
    WorkerContext ctx{comm, cfg.seed};
    RunResult result = run_experiment(ctx, cfg, *source, writer.get(), ck);
    int code = 0;
    if (root && result.halted) {
      report_halt(result, ck, out);
    } else if (root && result.interrupted) {
      report(out, result, writer->finish(result, "mpi"));
      code = report_interrupt(result, ck, out);
    } else if (root) {
      report(out, result, writer->finish(result, "mpi"));
      if (ck.writes()) remove_checkpoint(ck.dir);
    }
    comm.barrier();
    if (result.interrupted) return stop_exit_code(result.stop_signal);
    return code;
  } catch (const InvalidArgument&) {
    throw;  // deterministic: every rank fails the same way and exits with code 2
  } catch (const DataError&) {
    throw;
  } catch (const std::exception& e) {
    // A failure on some ranks only (I/O on rank 0, ...) would leave the others waiting in a
    // collective forever: take the whole job down.
    std::fprintf(stderr, "dcopt: error (rank %d): %s\n", comm.rank(), e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}

int run(const Options& o) {
  ExperimentConfig cfg = load_experiment_config(o.config, o.overrides);
  cfg.problem.data_root = data_root();
  const std::filesystem::path out =
      o.out.empty() ? std::filesystem::path("runs") / cfg.name : std::filesystem::path(o.out);
  CheckpointOptions ck =
      checkpoint_options(o.checkpoint_every, o.halt_after, o.checkpoint_dir, o.resume, out);
  // SIGINT/SIGTERM end the run after the current round with the results so far and a
  // checkpoint (the default directory unless --checkpoint-dir chose one).
  ck.on_stop = true;
  if (ck.dir.empty()) ck.dir = default_checkpoint_dir(out);
  install_stop_handlers();
  if (o.backend != "mpi") {
    const OutputLock lock(out);  // one run at a time per --out
    return run_threads_backend(cfg, out, o.quiet, ck, o.collective_timeout, o.threads);
  }
  return run_mpi_backend(cfg, out, o.quiet, ck, o.collective_timeout);
}

}  // namespace

std::filesystem::path data_root() {
  if (const char* env = std::getenv("DCOPT_DATA_DIR")) return env;
  return DCOPT_DATA_DIR;
}

void add_run_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "run", "Run an experiment: methods on a problem, metrics.csv, summary.json, plots");
  auto o = std::make_shared<Options>();
  cmd->add_option("config", o->config, "Experiment file (TOML, see docs/CONFIG.md)")->required();
  cmd->add_option("--out", o->out, "Output directory (default runs/<name>); replaced atomically");
  cmd->add_option("--set", o->overrides,
                  "Override a key by dotted path, e.g. stop.max_rounds=100, method.0.gamma=0.5 "
                  "(repeatable; value parsed as TOML, bare words as strings)");
  cmd->add_option("--backend", o->backend,
                  "threads: workers as threads of this process; mpi: one worker per MPI rank "
                  "(mpirun -np <workers>)")
      ->capture_default_str()
      ->check(CLI::IsMember({"threads", "mpi"}));
  cmd->add_option("--threads", o->threads,
                  "threads backend: OS threads the workers run on (workers are fibers on a pool "
                  "of this many threads, never more than the workers); 0: one per core")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet", o->quiet, "No progress line on stderr");
  cmd->add_option("--checkpoint-every", o->checkpoint_every,
                  "Write a checkpoint after every N-th round of the running method (N >= 1), "
                  "atomically, into --checkpoint-dir")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()));
  cmd->add_option("--checkpoint-dir", o->checkpoint_dir,
                  "Where checkpoints are written (default <out>.checkpoint next to --out)");
  cmd->add_option("--resume", o->resume,
                  "Continue from the checkpoint in this directory (same config and --set "
                  "values; the metrics are those of an uninterrupted run)");
  cmd->add_option("--halt-after", o->halt_after,
                  "Write a checkpoint at round R of the running method and stop there (exit 0, "
                  "no outputs written); resume later with --resume")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()));
  cmd->add_option("--collective-timeout", o->collective_timeout,
                  "Seconds a worker may wait in a collective for the others before the job ends "
                  "with an error naming the workers that did not arrive (a hung or stopped "
                  "worker); 0: wait forever (debugging)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([&action, o] { action = [o] { return run(*o); }; });
}

}  // namespace dcopt::cli

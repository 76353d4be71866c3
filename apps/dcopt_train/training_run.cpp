#include "training_run.hpp"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>

#include "dcopt/comm/mpi_comm.hpp"
#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/stop_request.hpp"
#include "dcopt/experiment/checkpoint_file.hpp"
#include "dcopt/experiment/checkpointing.hpp"
#include "dcopt/train/torch_threads.hpp"
#include "dcopt/train/train_outputs.hpp"
#include "output_lock.hpp"

namespace dcopt::cli {
namespace {

void report(const train::TrainResult& r, const std::filesystem::path& out,
            const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::fprintf(stderr, "dcopt: warning: %s\n", w.c_str());
  std::printf("wrote %s\n", out.string().c_str());
  if (!r.rows.empty()) {
    const train::TrainRow& f = r.rows.back();
    std::printf(
        "  %s after %llu steps: test accuracy %.4f, test loss %.4f, %.4g bits up per "
        "worker\n",
        r.status.c_str(), static_cast<unsigned long long>(r.steps), f.test_acc, f.test_loss,
        f.bits_up);
  }
  const double steps = r.steps > 0 ? static_cast<double>(r.steps) : 1.0;
  const train::StepSplit& sp = r.split;
  if (sp.forward_s > 0 || sp.backward_s > 0 || sp.perturbation_s > 0) {
    // The task timed its passes apart (finetune: the ScaLA paper's Figure 2 breakdown), or only
    // its perturbation (adversarial pretrain: FreeLB's passes after the first).
    std::printf("  per step:");
    if (sp.forward_s > 0 || sp.backward_s > 0) {
      std::printf(" forward %.1f ms, backward %.1f ms,", 1e3 * sp.forward_s / steps,
                  1e3 * sp.backward_s / steps);
    } else {
      std::printf(" forward + backward %.1f ms (of which", 1e3 * sp.compute_s / steps);
    }
    std::printf(
        " perturbation %.1f ms%s, communication %.1f ms, compression %.1f ms, update %.1f ms\n",
        1e3 * sp.perturbation_s / steps, sp.forward_s > 0 || sp.backward_s > 0 ? "" : ")",
        1e3 * sp.communication_s / steps, 1e3 * sp.compression_s / steps,
        1e3 * sp.update_s / steps);
  }
}

void report_halt(const train::TrainResult& r, const CheckpointOptions& ck,
                 const std::filesystem::path& out) {
  std::printf(
      "halted after step %llu; checkpoint %s\n"
      "resume with --resume %s (same config and --set values); nothing was written to %s\n",
      static_cast<unsigned long long>(r.steps), checkpoint_file(ck.dir).string().c_str(),
      ck.dir.string().c_str(), out.string().c_str());
}

// Rank 0's outputs: results, or a halt.
void finish(const train::TrainResult& r, train::TrainOutputs& outputs, const CheckpointOptions& ck,
            const std::filesystem::path& out, const std::string& backend) {
  if (r.status == "halted") {
    report_halt(r, ck, out);
    return;
  }
  report(r, out, outputs.finish(r, backend));
  if (r.status == "interrupted") {
    std::printf(
        "interrupted after step %llu (signal %d); results so far in %s, checkpoint %s\n"
        "resume with --resume %s (same config and --set values)\n",
        static_cast<unsigned long long>(r.steps), r.stop_signal, out.string().c_str(),
        checkpoint_file(ck.dir).string().c_str(), ck.dir.string().c_str());
    return;
  }
  if (ck.writes()) remove_checkpoint(ck.dir);
}

int exit_code(const train::TrainResult& r) {
  return r.status == "interrupted" ? stop_exit_code(r.stop_signal) : 0;
}

int run_threads_backend(const train::TrainConfig& cfg, const RankTaskFactory& make_task,
                        const std::filesystem::path& out, bool quiet, const CheckpointOptions& ck,
                        double timeout) {
  const OutputLock lock(out);  // one run at a time per --out
  train::TrainOutputs outputs(cfg, out, !quiet);
  train::TrainResult result;
  // torch keeps per-thread state (grad mode, its intra-op thread count) across a worker's
  // collectives: every worker keeps a thread of its own.
  ThreadRunOptions threads;
  threads.thread_per_worker = true;
  run_threads(
      cfg.workers,
      [&](Communicator& comm) {
        comm.set_collective_timeout(timeout);
        const int rank = comm.rank();
        train::TrainResult r = train::train_worker(
            comm, cfg, [&] { return make_task(rank); }, rank == 0 ? &outputs : nullptr, ck);
        if (comm.rank() == 0) result = std::move(r);
      },
      threads);
  finish(result, outputs, ck, out, "threads");
  return exit_code(result);
}

int run_mpi_backend(const train::TrainConfig& cfg, const RankTaskFactory& make_task,
                    const std::filesystem::path& out, bool quiet, const CheckpointOptions& ck,
                    double timeout) {
  MpiComm comm;
  comm.set_collective_timeout(timeout);
  expect_one_rank_per_worker(comm, cfg.workers, cfg.source);
  const bool root = comm.rank() == 0;
  // Rank 0 writes the outputs, so it holds the lock.
  const std::unique_ptr<OutputLock> lock = lock_output_on_root(comm, out);
  try {
    std::unique_ptr<train::TrainOutputs> outputs;
    if (root) outputs = std::make_unique<train::TrainOutputs>(cfg, out, !quiet);
    const int rank = comm.rank();
    train::TrainResult r = train::train_worker(
        comm, cfg, [&] { return make_task(rank); }, outputs.get(), ck);
    if (root) finish(r, *outputs, ck, out, "mpi");
    comm.barrier();
    return exit_code(r);
  } catch (const InvalidArgument&) {
    throw;  // deterministic: every rank fails the same way
  } catch (const DataError&) {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dcopt: error (rank %d): %s\n", comm.rank(), e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}

}  // namespace

void add_run_options(CLI::App* cmd, RunOptions& o, const std::string& what) {
  cmd->add_option("config", o.config, what)->required();
  cmd->add_option("--out", o.out, "Output directory (default runs/<name>); replaced atomically");
  cmd->add_option("--set", o.overrides,
                  "Override a key by dotted path, e.g. train.steps=100, optimizer.lr=0.1 "
                  "(repeatable; value parsed as TOML, bare words as strings)");
  cmd->add_option("--backend", o.backend,
                  "threads: workers as threads of this process; mpi: one worker per MPI rank "
                  "(mpirun -np <workers> --bind-to none)")
      ->capture_default_str()
      ->check(CLI::IsMember({"threads", "mpi"}));
  cmd->add_flag("--quiet", o.quiet, "No progress line on stderr");
  cmd->add_option("--checkpoint-every", o.checkpoint_every,
                  "Write a checkpoint after every N-th step (N >= 1), atomically")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()));
  cmd->add_option("--checkpoint-dir", o.checkpoint_dir,
                  "Where checkpoints are written (default <out>.checkpoint next to --out)");
  cmd->add_option("--resume", o.resume,
                  "Continue from the checkpoint in this directory (same config and --set values; "
                  "the metrics are those of an uninterrupted run)");
  cmd->add_option("--halt-after", o.halt_after,
                  "Write a checkpoint at step K and stop there (exit 0, no outputs written)")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()));
  cmd->add_option("--collective-timeout", o.collective_timeout,
                  "Seconds a worker may wait in a collective for the others before the job ends "
                  "with an error naming the workers that did not arrive (a hung or stopped "
                  "worker); 0: wait forever (debugging)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

int run_training(const train::TrainConfig& cfg, const RunOptions& o,
                 const std::function<RankTaskFactory()>& load) {
  const std::filesystem::path out =
      o.out.empty() ? std::filesystem::path("runs") / cfg.name : std::filesystem::path(o.out);
  CheckpointOptions ck =
      checkpoint_options(o.checkpoint_every, o.halt_after, o.checkpoint_dir, o.resume, out);
  // SIGINT/SIGTERM end the run after the current step with the results so far and a checkpoint
  // (the default directory unless --checkpoint-dir chose one).
  ck.on_stop = true;
  if (ck.dir.empty()) ck.dir = default_checkpoint_dir(out);
  install_stop_handlers();
  train::configure_torch_threads(cfg.loop.threads);
  if (o.backend == "mpi") {
    // A rank that waits in a collective yields its core instead of busy-polling (OpenMPI reads
    // this before MPI_Init; an explicit --mca mpi_yield_when_idle or environment value wins).
    // On a machine with fewer cores than ranks the waiting rank otherwise takes the core from
    // the one still computing (docs/PERFORMANCE.md §5).
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", /*overwrite=*/0);
    MpiSession session;
    const RankTaskFactory make_task = load();
    return run_mpi_backend(cfg, make_task, out, o.quiet, ck, o.collective_timeout);
  }
  const RankTaskFactory make_task = load();
  return run_threads_backend(cfg, make_task, out, o.quiet, ck, o.collective_timeout);
}

}  // namespace dcopt::cli

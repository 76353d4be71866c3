// End-to-end tests of checkpoints (`dcopt run --checkpoint-every / --halt-after / --resume`): a run
// halted at a checkpoint and resumed gives the metrics.csv of the uninterrupted run in every
// column but wall_s, and its summary.json but the wall-clock fields, on threads and under
// mpirun, across backends (a checkpoint written by threads resumes under MPI), halted in the
// first method or in the middle of a later one (whose workers hold different states: DIANA's
// shifts, MASHA2's error memories). Bad checkpoints are rejected with exit code 2, leaving the
// output directory and the checkpoint as they were.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/run_command.hpp"
#include "support/run_outputs.hpp"

namespace dcopt {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::dcopt_binary;
using testing::kMpiEnv;
using testing::metrics_without_wall_clock;
using testing::run_command;
using testing::slurp;
using testing::summary_without_wall_clock;

struct Experiment {
  std::string name;  ///< examples/<name>.toml
  std::string sets;  ///< --set overrides (the same on every invocation)
  int workers;       ///< the config's `workers` (the rank count under mpirun)
};

const Experiment kQuadratic{"quadratic_marina", "", 4};
const Experiment kMushrooms{"marina_vs_diana_mushrooms", "--set stop.max_rounds=300", 5};
const Experiment kMasha{"masha_bilinear", "--set stop.max_rounds=120", 10};

enum class Backend { threads, mpi };

class CheckpointResume : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dcopt_checkpoint_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static fs::path config(const Experiment& e) {
    return fs::path(DCOPT_SOURCE_DIR) / "examples" / (e.name + ".toml");
  }

  CommandResult run(const Experiment& e, const std::string& args,
                    Backend backend = Backend::threads) {
    std::string launcher, tail;
    if (backend == Backend::mpi) {
      launcher = kMpiEnv + "mpirun --bind-to none -np " + std::to_string(e.workers) + " ";
      tail = " --backend mpi";
    }
    return run_command(launcher + dcopt_binary() + " run " + config(e).string() +
                       " --quiet --set output.plots=false " + e.sets + " " + args + tail);
  }

  // The uninterrupted run's outputs.
  fs::path full_run(const Experiment& e, Backend backend = Backend::threads) {
    const fs::path out = dir_ / (e.name + "_full");
    const CommandResult r = run(e, "--out " + out.string(), backend);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  // Runs (or resumes, if `resume` is given) until the checkpoint at round `round`, and checks
  // that the run halted there, said so, and wrote nothing into `out`. The checkpoint goes to
  // `checkpoint_dir` (default: <out>.checkpoint).
  void halt(const Experiment& e, const fs::path& out, std::uint64_t round, const std::string& where,
            const std::string& resume = "", Backend backend = Backend::threads,
            const std::string& extra = "", const fs::path& checkpoint_dir = {}) {
    const std::string ck =
        checkpoint_dir.empty() ? out.string() + ".checkpoint" : checkpoint_dir.string();
    const CommandResult r =
        run(e,
            "--out " + out.string() + " --halt-after " + std::to_string(round) +
                (resume.empty() ? "" : " --resume " + resume) +
                (checkpoint_dir.empty() ? "" : " --checkpoint-dir " + ck) + " " + extra,
            backend);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("halted after round " + std::to_string(round) + " of method " + where),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("resume with --resume " + ck), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(out)) << "a halted run writes no outputs";
    EXPECT_TRUE(fs::exists(fs::path(ck) / "checkpoint.bin"));
  }

  CommandResult resume_to_end(const Experiment& e, const fs::path& out,
                              Backend backend = Backend::threads, const std::string& extra = "") {
    return run(e, "--out " + out.string() + " --resume " + out.string() + ".checkpoint " + extra,
               backend);
  }

  // Every column of metrics.csv but wall_s, and summary.json but its wall-clock fields (and the
  // backend's name, when the two runs used different backends).
  static void expect_same_outputs(const fs::path& want, const fs::path& got,
                                  bool same_backend = true) {
    const auto a = metrics_without_wall_clock(want / "metrics.csv");
    const auto b = metrics_without_wall_clock(got / "metrics.csv");
    ASSERT_GT(a.size(), 10u);
    ASSERT_EQ(a.size(), b.size()) << "rows differ in number";
    for (std::size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i], b[i]) << "first difference at line " << i + 1;
    }
    auto sa = summary_without_wall_clock(want / "summary.json");
    auto sb = summary_without_wall_clock(got / "summary.json");
    if (!same_backend) {
      sa.erase("backend");
      sb.erase("backend");
    }
    EXPECT_EQ(sa, sb);
  }

  // No hidden staging directory (".name.tmp-...") left next to the outputs.
  bool no_leftovers() const {
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().filename().string().rfind(".", 0) == 0) return false;
    }
    return true;
  }

  fs::path dir_;
};

TEST_F(CheckpointResume, QuadraticHaltedInEachMethodResumesToTheUninterruptedMetrics) {
  const fs::path full = full_run(kQuadratic);
  const fs::path out = dir_ / "resumed";
  const std::string ck = out.string() + ".checkpoint";
  // GD converges at round 60, MARINA K=5 at 400, MARINA K=10 at 120: round 30 is inside the
  // first method; a resumed run halts at the next round 100 it reaches, which is inside the
  // second method, then inside the third.
  halt(kQuadratic, out, 30, "'gd' (1/3)");
  halt(kQuadratic, out, 100, "'marina randk:k=5' (2/3)", ck);
  halt(kQuadratic, out, 100, "'marina randk:k=10 x2 stepsize' (3/3)", ck, Backend::threads,
       "--checkpoint-every 7");
  const CommandResult r = resume_to_end(kQuadratic, out, Backend::threads, "--checkpoint-every 9");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_outputs(full, out);
  EXPECT_FALSE(fs::exists(ck)) << "a finished run removes the checkpoint it wrote";
  EXPECT_TRUE(no_leftovers());
}

TEST_F(CheckpointResume, QuadraticUnderMpiHaltedInTheSecondMethodResumes) {
  const fs::path full = full_run(kQuadratic, Backend::mpi);
  const fs::path out = dir_ / "resumed";
  halt(kQuadratic, out, 100, "'marina randk:k=5' (2/3)", "", Backend::mpi, "--checkpoint-every 40");
  const CommandResult r = resume_to_end(kQuadratic, out, Backend::mpi);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_outputs(full, out);
}

TEST_F(CheckpointResume, MushroomsCheckpointOfThreadsResumesUnderMpiInAStatefulMethod) {
  const fs::path full = full_run(kMushrooms);
  const fs::path out = dir_ / "resumed";
  const std::string ck = out.string() + ".checkpoint";
  // Every method runs all 300 rounds: each resume halts at round 150 of the next method, the
  // fourth time inside DIANA K=1, whose five workers hold five different shifts.
  halt(kMushrooms, out, 150, "'MARINA K=1' (1/6)", "", Backend::threads, "--checkpoint-every 40");
  halt(kMushrooms, out, 150, "'MARINA K=5' (2/6)", ck);
  halt(kMushrooms, out, 150, "'MARINA K=10' (3/6)", ck);
  halt(kMushrooms, out, 150, "'DIANA K=1' (4/6)", ck);
  const CommandResult r = resume_to_end(kMushrooms, out, Backend::mpi);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_outputs(full, out, /*same_backend=*/false);
}

TEST_F(CheckpointResume, MushroomsUnderMpiHaltedAndResumed) {
  const fs::path full = full_run(kMushrooms);
  const fs::path out = dir_ / "resumed";
  halt(kMushrooms, out, 200, "'MARINA K=1' (1/6)", "", Backend::mpi, "--checkpoint-every 40");
  const CommandResult r = resume_to_end(kMushrooms, out, Backend::mpi, "--checkpoint-every 40");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_outputs(full, out, /*same_backend=*/false);
  EXPECT_FALSE(fs::exists(out.string() + ".checkpoint"));
}

TEST_F(CheckpointResume, MashaBilinearHaltedInMasha2ResumesOnThreadsAndMpi) {
  const fs::path full = full_run(kMasha);
  // Threads: halted inside MASHA1 (round 60 of 120), then inside MASHA2 (its device and server
  // error memories and reference point are in the checkpoint).
  const fs::path out = dir_ / "threads";
  halt(kMasha, out, 60, "'MASHA1 nat. dithering' (1/7)");
  halt(kMasha, out, 60, "'MASHA2 Top30%' (2/7)", out.string() + ".checkpoint");
  CommandResult r = resume_to_end(kMasha, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_outputs(full, out);

  const fs::path mpi = dir_ / "mpi";
  halt(kMasha, mpi, 60, "'MASHA1 nat. dithering' (1/7)", "", Backend::mpi);
  r = resume_to_end(kMasha, mpi, Backend::mpi);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_outputs(full, mpi, /*same_backend=*/false);
}

// A run killed (as a batch system's time limit would) resumes from the last checkpoint it wrote,
// whatever the round: the periodic checkpoints are complete at every moment.
TEST_F(CheckpointResume, AKilledRunResumesFromItsLastPeriodicCheckpoint) {
  // Large enough that the run lasts about a second after its first checkpoint (round 50).
  const fs::path cfg = dir_ / "slow.toml";
  std::ofstream(cfg) << "name = \"slow\"\nseed = 3\nworkers = 4\n"
                        "[problem]\nkind = \"quadratic\"\ndim = 400\nrows = 800\n"
                        "[stop]\nmax_rounds = 1500\neval_every = 25\n"
                        "[[method]]\nname = \"diana\"\ncodec = \"randk:k=40\"\n"
                        "[output]\nplots = false\n";
  const std::string base = dcopt_binary() + " run " + cfg.string() + " --quiet ";
  const fs::path full = dir_ / "full", out = dir_ / "killed";
  const fs::path ck = out.string() + ".checkpoint";
  ASSERT_EQ(run_command(base + "--out " + full.string()).exit_code, 0);

  const std::string script = base + "--out " + out.string() +
                             " --checkpoint-every 50 & pid=$!; i=0; while [ ! -f " +
                             (ck / "checkpoint.bin").string() +
                             " ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done; "
                             "kill -9 $pid; wait $pid; echo \"status $?\"";
  const CommandResult killed = run_command("sh -c '" + script + "'");
  ASSERT_NE(killed.out.find("status 137"), std::string::npos)
      << "the run was not killed mid-way (finished too early?): " << killed.out << killed.err;
  ASSERT_FALSE(fs::exists(out));
  const CommandResult r = run_command(base + "--out " + out.string() + " --resume " + ck.string() +
                                      " --checkpoint-every 50");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_outputs(full, out);
  EXPECT_FALSE(fs::exists(ck));
}

TEST_F(CheckpointResume, BadCheckpointsAreRejectedWithExit2LeavingEverythingAsItWas) {
  // A complete earlier run in --out, and a valid checkpoint (halted in GD) to spoil.
  const fs::path out = dir_ / "out";
  ASSERT_EQ(run(kQuadratic, "--out " + out.string()).exit_code, 0);
  const std::string before_metrics = slurp((out / "metrics.csv").string());
  const std::string before_summary = slurp((out / "summary.json").string());
  const fs::path good = dir_ / "good";
  halt(kQuadratic, dir_ / "good_out", 30, "'gd' (1/3)", "", Backend::threads, "", good);
  const std::string valid = slurp((good / "checkpoint.bin").string());
  ASSERT_GT(valid.size(), 100u);
  // The envelope begins "dcopt-checkpoint", then the field format_version: name length (14),
  // name, type byte, count (1), then its 8 value bytes.
  ASSERT_EQ(valid.substr(17, 14), "format_version");
  const std::size_t version_byte = 16 + 1 + 14 + 1 + 1;

  struct Case {
    std::string what;
    std::string content;  ///< the checkpoint file's bytes; "-" for no directory, "" for no file
    std::string sets;     ///< extra --set arguments
    std::vector<std::string> expected;  ///< in the error message
  };
  std::string other_version = valid;
  other_version[version_byte] = 2;
  std::string corrupted = valid;
  corrupted[valid.size() / 2] = static_cast<char>(corrupted[valid.size() / 2] ^ 0x10);
  const std::vector<Case> cases = {
      {"other config",
       valid,
       "--set seed=2",
       {"checkpoint.bin: was written for config hash ", "this config", "has config hash",
        "resume with the same config and --set values"}},
      {"other worker count",
       valid,
       "--set workers=2",
       {"checkpoint.bin: was written by a run with 4 workers", "workers = 2"}},
      {"other format version",
       other_version,
       "",
       {"checkpoint.bin: checkpoint format version 2", "reads version 1 only"}},
      {"truncated",
       valid.substr(0, valid.size() / 2),
       "",
       {"checkpoint.bin: truncated or corrupted checkpoint", "start the run again"}},
      {"corrupted", corrupted, "", {"checkpoint.bin: truncated or corrupted", "hashes to"}},
      {"not a checkpoint", "name = \"x\"\n", "", {"not a dcopt checkpoint"}},
      {"no checkpoint file", "", "", {"checkpoint.bin: no checkpoint in this directory"}},
      {"no directory", "-", "", {"no such directory", "default <out>.checkpoint"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const fs::path ck = dir_ / "bad";
    fs::remove_all(ck);
    if (c.content != "-") {
      fs::create_directories(ck);
      if (!c.content.empty()) {
        std::ofstream(ck / "checkpoint.bin", std::ios::binary) << c.content;
      }
    }
    // Checkpoint writing is on too, into the same directory: it must not have started.
    const CommandResult r =
        run(kQuadratic, "--out " + out.string() + " --resume " + ck.string() +
                            " --checkpoint-every 5 --checkpoint-dir " + ck.string() + " " + c.sets);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    for (const std::string& e : c.expected) {
      EXPECT_NE(r.err.find(e), std::string::npos) << "missing '" << e << "' in: " << r.err;
    }
    if (c.content != "-") {
      EXPECT_NE(r.err.find((ck / "checkpoint.bin").string()), std::string::npos) << r.err;
    }
    EXPECT_EQ(slurp((out / "metrics.csv").string()), before_metrics);
    EXPECT_EQ(slurp((out / "summary.json").string()), before_summary);
    if (!c.content.empty() && c.content != "-") {
      EXPECT_EQ(slurp((ck / "checkpoint.bin").string()), c.content);
    } else {
      EXPECT_FALSE(fs::exists(ck / "checkpoint.bin"));
    }
    if (c.content == "-") {
      EXPECT_FALSE(fs::exists(ck));
    }
    EXPECT_TRUE(no_leftovers());
  }

  // Under mpirun every rank reports the same error and the job fails (the checkpoint is read by
  // rank 0 and broadcast, so no rank waits for another).
  const CommandResult m =
      run(kQuadratic, "--out " + out.string() + " --resume " + good.string() + " --set seed=2",
          Backend::mpi);
  EXPECT_NE(m.exit_code, 0);
  EXPECT_NE(m.err.find("was written for config hash"), std::string::npos) << m.err;
  EXPECT_EQ(slurp((out / "metrics.csv").string()), before_metrics);
  EXPECT_EQ(slurp((good / "checkpoint.bin").string()), valid);

  // What may differ on resume: the output directory, the backend, quiet, [output].
  const CommandResult ok = run(kQuadratic, "--out " + (dir_ / "elsewhere").string() + " --resume " +
                                               good.string() + " --set output.plots=false");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(CheckpointResume, CheckpointOptionsAreChecked) {
  const fs::path out = dir_ / "out";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--checkpoint-every 0", "--checkpoint-every"},
      {"--halt-after 0", "--halt-after"},
      {"--checkpoint-dir " + (dir_ / "ck").string(), "no checkpoint is written without"},
      {"--checkpoint-every 5 --checkpoint-dir " + (out / "ck").string(),
       "must lie outside the output directory"},
  };
  for (const auto& [args, expected] : cases) {
    const CommandResult r = run(kQuadratic, "--out " + out.string() + " " + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << args << ": " << r.err;
    EXPECT_FALSE(fs::exists(out)) << args;
  }
}

TEST_F(CheckpointResume, AFailedCheckpointWriteEndsTheRunAndKeepsTheEarlierOutput) {
  const fs::path out = dir_ / "out";
  ASSERT_EQ(run(kQuadratic, "--out " + out.string() + " --set stop.max_rounds=5").exit_code, 0);
  const std::string before = slurp((out / "metrics.csv").string());
  // A file where the checkpoint directory should be: the first checkpoint (round 10) fails.
  const fs::path blocked = dir_ / "blocked";
  std::ofstream(blocked) << "not a directory";
  CommandResult r = run(kQuadratic, "--out " + out.string() + " --checkpoint-every 10 " +
                                        "--checkpoint-dir " + blocked.string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(blocked.string() + ": cannot create the checkpoint directory"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(slurp((out / "metrics.csv").string()), before);
  // A resumed run writes checkpoints too (here: tries to, and fails the same way).
  const fs::path good = dir_ / "good";
  halt(kQuadratic, dir_ / "h", 30, "'gd' (1/3)", "", Backend::threads, "", good);
  r = run(kQuadratic, "--out " + out.string() + " --resume " + good.string() +
                          " --checkpoint-every 10 --checkpoint-dir " + blocked.string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot create the checkpoint directory"), std::string::npos) << r.err;
  EXPECT_EQ(slurp((out / "metrics.csv").string()), before);
  EXPECT_TRUE(fs::exists(good / "checkpoint.bin"));
}

}  // namespace
}  // namespace dcopt

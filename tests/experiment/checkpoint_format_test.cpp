// The checkpoint format (experiment/checkpoint.hpp) and the experiment hash that pins a
// checkpoint to its configuration: what round-trips exactly, what every damaged byte does, and
// which configuration changes the hash sees.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/experiment/checkpoint.hpp"
#include "dcopt/experiment/experiment_hash.hpp"

namespace dcopt {
namespace {

const char* kConfig = R"(
name = "t"
seed = 7
workers = 3
[problem]
kind = "quadratic"
dim = 10
[stop]
max_rounds = 50
[[method]]
name = "gd"
[[method]]
name = "marina"
codec = "randk:k=2"
gamma = 0.5
[output]
plots = true
)";

std::string hash_of(const std::string& text, const std::vector<std::string>& sets = {}) {
  return experiment_hash(parse_experiment_config(text, "t.toml", sets));
}

TEST(ExperimentHash, SeesEveryNumberAndIgnoresNameAndOutput) {
  const std::string h = hash_of(kConfig);
  EXPECT_EQ(h.size(), 16u);
  EXPECT_EQ(h, hash_of(kConfig));
  // What does not change a number.
  EXPECT_EQ(h, hash_of(kConfig, {"output.plots=false"}));
  EXPECT_EQ(h, hash_of(kConfig, {"name=other"}));
  // Key order in the file is not content.
  std::string reordered = kConfig;
  reordered.replace(reordered.find("seed = 7\nworkers = 3\n"), 21, "workers = 3\nseed = 7\n");
  EXPECT_EQ(h, hash_of(reordered));
  // What does.
  for (const char* set : {"seed=8", "workers=4", "stop.max_rounds=51", "method.1.gamma=0.25",
                          "method.1.codec=randk:k=3", "problem.dim=11", "stop.eval_every=2"}) {
    EXPECT_NE(h, hash_of(kConfig, {set})) << set;
  }
}

MetricRow row(std::size_t method, std::uint64_t round, double x) {
  MetricRow r;
  r.method = method;
  r.round = round;
  r.metrics = {x, std::nan(""), -std::numeric_limits<double>::infinity()};
  r.cost = {1.5 * x, 2.0, 3.0, 4.0};
  r.wall_s = 0.125;
  return r;
}

Checkpoint sample() {
  Checkpoint c;
  c.config_hash = "0123456789abcdef";
  c.workers = 2;
  c.method_count = 3;
  c.metric_count = 3;
  c.problem = "quadratic d=10";
  c.problem_constants = {{"L_f", 2.5}, {"mu", 1e-300}};
  MethodResult m;
  m.status = RunStatus::diverged;
  m.rounds = 7;
  m.final_row = row(0, 7, 0.1);
  m.init_cost = {1, 2, 3, 4};
  m.init_wall_s = 0.5;
  m.wall_s = 1.5;
  m.eval_wall_s = 0.25;
  m.transport_bytes_sent = 1e6;
  m.parameters = {{"gamma", 0.1 + 0.2}};
  c.finished = {m, m};
  c.finished[1].status = RunStatus::wall_budget;
  c.finished[1].final_row.method = 1;
  // Rounds past 2^32 survive (they are stored in two halves).
  c.rows = {row(0, 0, 1.0), row(0, 7, 0.1), row(1, 0, 3.0), row(2, (1ULL << 40) + 3, 1e-17)};
  c.running = {2, (1ULL << 40) + 5, 10.0, 2.0, 0.75, 3.0};
  c.worker_states = {std::string("\0\1\2", 3), "worker one"};
  return c;
}

bool same(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

TEST(CheckpointFormat, RoundTripsEveryFieldExactly) {
  const Checkpoint c = sample();
  const Checkpoint d = decode_checkpoint(encode_checkpoint(c), "f");
  EXPECT_EQ(d.config_hash, c.config_hash);
  EXPECT_EQ(d.workers, c.workers);
  EXPECT_EQ(d.method_count, c.method_count);
  EXPECT_EQ(d.problem, c.problem);
  EXPECT_EQ(d.problem_constants, c.problem_constants);
  ASSERT_EQ(d.finished.size(), 2u);
  EXPECT_EQ(d.finished[0].status, RunStatus::diverged);
  EXPECT_EQ(d.finished[1].status, RunStatus::wall_budget);
  EXPECT_EQ(d.finished[1].final_row.method, 1u);
  EXPECT_EQ(d.finished[0].rounds, 7u);
  EXPECT_EQ(d.finished[0].parameters, c.finished[0].parameters);
  EXPECT_EQ(d.finished[0].transport_bytes_sent, 1e6);
  EXPECT_EQ(d.finished[0].init_cost.sample_grads, 4.0);
  ASSERT_EQ(d.rows.size(), c.rows.size());
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    EXPECT_EQ(d.rows[i].method, c.rows[i].method);
    EXPECT_EQ(d.rows[i].round, c.rows[i].round);
    ASSERT_EQ(d.rows[i].metrics.size(), 3u);
    for (std::size_t j = 0; j < 3; ++j)
      EXPECT_TRUE(same(d.rows[i].metrics[j], c.rows[i].metrics[j]));
    EXPECT_EQ(d.rows[i].cost.bits_up, c.rows[i].cost.bits_up);
    EXPECT_EQ(d.rows[i].wall_s, c.rows[i].wall_s);
  }
  EXPECT_EQ(d.running.index, 2u);
  EXPECT_EQ(d.running.round, (1ULL << 40) + 5);
  EXPECT_EQ(d.running.elapsed_s, 10.0);
  EXPECT_EQ(d.running.initial_primary, 3.0);
  EXPECT_EQ(d.worker_states, c.worker_states);
}

TEST(CheckpointFormat, EveryDamagedByteOrTruncationIsADataErrorNamingTheFile) {
  const std::vector<std::uint8_t> good = encode_checkpoint(sample());
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::vector<std::uint8_t> bad = good;
    bad[i] ^= 0x04;
    try {
      decode_checkpoint(bad, "the/file");
      ADD_FAILURE() << "byte " << i << " flipped was accepted";
    } catch (const DataError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("the/file: ", 0), 0u) << e.what();
    }
  }
  for (std::size_t n = 0; n < good.size(); n += 7) {
    EXPECT_THROW(decode_checkpoint(std::span(good).first(n), "f"), DataError) << n;
  }
  std::vector<std::uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_THROW(decode_checkpoint(longer, "f"), DataError);
}

TEST(CheckpointFormat, InconsistentBodiesAreRejected) {
  // A body that hashes right but does not hold together (a writer's bug, not bit rot).
  Checkpoint c = sample();
  c.running.index = 1;  // two methods finished, yet the second is said to be running
  EXPECT_THROW(decode_checkpoint(encode_checkpoint(c), "f"), DataError);
  c = sample();
  c.rows[1].method = 2;
  c.rows[2].method = 1;  // rows out of method order
  EXPECT_THROW(decode_checkpoint(encode_checkpoint(c), "f"), DataError);
  c = sample();
  c.worker_states.pop_back();  // fewer states than workers
  EXPECT_THROW(decode_checkpoint(encode_checkpoint(c), "f"), DataError);
  c = sample();
  c.running.round = 0;
  EXPECT_THROW(decode_checkpoint(encode_checkpoint(c), "f"), DataError);
}

// A checkpoint file around `body`, with the right envelope and checksum (as encode_checkpoint
// writes it), so that a test can hand the loader a body no writer produces.
std::vector<std::uint8_t> wrap_body(const std::string& body) {
  StateWriter w;
  w.u64("format_version", kCheckpointFormatVersion);
  w.text("dcopt_version", DCOPT_VERSION);
  w.text("body", body);
  const std::string magic = "dcopt-checkpoint";
  std::vector<std::uint8_t> out(magic.begin(), magic.end());
  out.insert(out.end(), w.bytes().begin(), w.bytes().end());
  StateWriter trailer;
  trailer.u64("fnv1a64", fnv1a64(out));
  out.insert(out.end(), trailer.bytes().begin(), trailer.bytes().end());
  return out;
}

std::string body_of(const std::vector<std::uint8_t>& file) {
  StateReader r(std::span<const std::uint8_t>(file).subspan(16), "f");
  r.u64("format_version");
  r.text("dcopt_version");
  return r.text("body", file.size());
}

// Found by fuzz/checkpoint_fuzz.cpp: the loader put constants and parameters into a map as it
// read them, so a repeated name silently kept one value and an out-of-order list loaded as if
// sorted; a body the writer cannot produce must be rejected.
TEST(CheckpointFormat, RepeatedOrUnsortedNamesAreRejected) {
  Checkpoint c = sample();
  c.problem_constants = {{"kappa_x", 1.0}, {"kappa_y", 2.0}};
  c.finished[0].parameters = {{"gamma", 0.5}, {"omega", 2.0}};
  const std::string good = body_of(encode_checkpoint(c));
  EXPECT_NO_THROW(decode_checkpoint(wrap_body(good), "f"));  // the helper is faithful
  auto renamed = [&](const std::string& from, const std::string& to) {
    std::string b = good;
    const auto at = b.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    b.replace(at, from.size(), to);
    return wrap_body(b);
  };
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"kappa_y", "kappa_x"},
                                                        {"kappa_y", "kappa_a"},
                                                        {"omega", "gamma"},
                                                        {"omega", "alpha"}}) {
    try {
      decode_checkpoint(renamed(from, to), "the/file");
      ADD_FAILURE() << from << " -> " << to << " was accepted";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("repeated or out of order"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace dcopt

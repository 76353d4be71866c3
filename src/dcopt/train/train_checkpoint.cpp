#include "dcopt/train/train_checkpoint.hpp"

#include <stdexcept>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/core/state_io.hpp"

namespace dcopt::train {
namespace {

constexpr const char* kMagic = "dcopt-train-checkpoint";
constexpr std::size_t kRowFields = 10;  // before the row's extra metrics
// A worker state holds its parameters, optimizer moments and estimator state: up to a few
// hundred MB for the largest model here.
constexpr std::size_t kMaxText = std::size_t{1} << 32;

void put_row(std::vector<double>& out, const TrainRow& r, std::size_t extras,
             const std::string& what) {
  if (r.extra.size() != extras) {
    throw std::logic_error(what + ": rows with different numbers of extra metrics");
  }
  const double v[kRowFields] = {r.epoch,        static_cast<double>(r.step),
                                r.train_loss,   r.test_loss,
                                r.test_acc,     r.grad_norm_sq,
                                r.bits_up,      r.bits_down,
                                r.sample_grads, r.wall_s};
  out.insert(out.end(), v, v + kRowFields);
  out.insert(out.end(), r.extra.begin(), r.extra.end());
}

TrainRow get_row(const double* v, std::size_t extras) {
  TrainRow r;
  r.epoch = v[0];
  r.step = static_cast<std::uint64_t>(v[1]);
  r.train_loss = v[2];
  r.test_loss = v[3];
  r.test_acc = v[4];
  r.grad_norm_sq = v[5];
  r.bits_up = v[6];
  r.bits_down = v[7];
  r.sample_grads = v[8];
  r.wall_s = v[9];
  r.extra.assign(v + kRowFields, v + kRowFields + extras);
  return r;
}

}  // namespace

std::string train_config_hash(const TrainConfig& cfg) {
  std::uint64_t h = fnv1a64(cfg.echo_json);
  h = fnv1a64(std::to_string(cfg.workers), h);
  return hex64(h);
}

std::vector<std::uint8_t> encode_train_checkpoint(const TrainCheckpoint& c) {
  StateWriter body;
  body.text("config_hash", c.config_hash);
  body.u64("workers", c.workers);
  body.u64("step", c.step);
  body.f64("wall_s", c.wall_s);
  const double split[7] = {c.split.compute_s,     c.split.compression_s, c.split.communication_s,
                           c.split.update_s,      c.split.forward_s,     c.split.backward_s,
                           c.split.perturbation_s};
  body.f64s("split", split);
  const std::size_t extras = c.rows.empty() ? 0 : c.rows.front().extra.size();
  std::vector<double> rows;
  for (const TrainRow& r : c.rows) put_row(rows, r, extras, "train checkpoint");
  body.u64("row_count", c.rows.size());
  body.u64("row_extras", extras);
  body.f64s("rows", rows);
  body.u64("worker_states", c.worker_states.size());
  for (const std::string& s : c.worker_states) body.text("worker_state", s);
  const std::vector<std::uint8_t>& b = body.bytes();
  const std::string text(b.begin(), b.end());
  StateWriter w;
  w.text("magic", kMagic);
  w.u64("format_version", kTrainCheckpointVersion);
  w.text("dcopt_version", DCOPT_VERSION);
  w.text("body", text);
  w.u64("fnv1a64", fnv1a64(text));
  return w.take();
}

TrainCheckpoint decode_train_checkpoint(std::span<const std::uint8_t> bytes,
                                        const std::string& file) {
  const std::string what = file + ": ";
  std::string body;
  try {
    StateReader r(bytes, file);
    if (r.text("magic") != kMagic) {
      throw DataError(what + "not a dcopt train checkpoint (wrong magic)");
    }
    const std::uint64_t v = r.u64("format_version");
    if (v != kTrainCheckpointVersion) {
      throw DataError(what + "train checkpoint format version " + std::to_string(v) +
                      "; this dcopt reads version " + std::to_string(kTrainCheckpointVersion));
    }
    r.text("dcopt_version");
    body = r.text("body", kMaxText);
    if (r.u64("fnv1a64") != fnv1a64(body)) {
      throw DataError(what + "damaged train checkpoint (its hash does not match its contents)");
    }
    r.expect_end();
  } catch (const DataError& e) {
    const std::string m = e.what();
    if (m.rfind(what, 0) == 0) throw;
    throw DataError(what + "not a readable dcopt train checkpoint: " + m);
  }
  const std::span<const std::uint8_t> body_bytes(reinterpret_cast<const std::uint8_t*>(body.data()),
                                                 body.size());
  StateReader r(body_bytes, file);
  TrainCheckpoint c;
  c.config_hash = r.text("config_hash");
  c.workers = r.u64("workers");
  c.step = r.u64("step");
  c.wall_s = r.f64("wall_s");
  double split[7];
  r.f64s("split", split);
  c.split = {split[0], split[1], split[2], split[3], split[4], split[5], split[6]};
  const std::uint64_t row_count = r.u64("row_count");
  if (row_count > (std::uint64_t{1} << 32)) throw DataError(what + "row_count: implausible");
  const std::uint64_t extras = r.u64("row_extras");
  if (extras > 64) throw DataError(what + "row_extras: implausible");
  const std::size_t width = kRowFields + static_cast<std::size_t>(extras);
  std::vector<double> rows(static_cast<std::size_t>(row_count) * width);
  r.f64s("rows", rows);
  for (std::size_t i = 0; i < rows.size(); i += width) {
    c.rows.push_back(get_row(&rows[i], static_cast<std::size_t>(extras)));
  }
  const std::uint64_t n = r.u64("worker_states");
  if (n != c.workers) throw DataError(what + "worker_states: count differs from workers");
  for (std::uint64_t i = 0; i < n; ++i) c.worker_states.push_back(r.text("worker_state", kMaxText));
  r.expect_end();
  return c;
}

}  // namespace dcopt::train

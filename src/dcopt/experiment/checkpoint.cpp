#include "dcopt/experiment/checkpoint.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <string_view>

#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/core/state_io.hpp"

namespace dcopt {
namespace {

constexpr std::string_view kMagic = "dcopt-checkpoint";  // 16 bytes
constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();
constexpr std::string_view kChecksumField = "fnv1a64";
// [name length][name][type][count = 1][8 value bytes]
constexpr std::size_t kChecksumFieldSize = 1 + kChecksumField.size() + 1 + 1 + 8;
constexpr RunStatus kStatuses[] = {RunStatus::converged, RunStatus::max_rounds, RunStatus::max_bits,
                                   RunStatus::wall_budget, RunStatus::diverged};

std::uint64_t status_code(RunStatus s) {
  for (std::size_t i = 0; i < std::size(kStatuses); ++i) {
    if (kStatuses[i] == s) return i;
  }
  return 0;
}

std::span<const double> cost_values(const CostTotals& c, std::array<double, 4>& buf) {
  buf = {c.bits_up, c.bits_down, c.oracle_calls, c.sample_grads};
  return buf;
}

CostTotals cost_from(std::span<const double> v) { return {v[0], v[1], v[2], v[3]}; }

void write_step_cost(StateWriter& w, const std::string& prefix, const StepCost& c) {
  w.u64(prefix + ".bits_up", c.bits_up);
  w.u64(prefix + ".bits_down", c.bits_down);
  w.u64(prefix + ".full_grads", c.full_grads);
  w.u64(prefix + ".sample_grads", c.sample_grads);
}

StepCost read_step_cost(StateReader& r, const std::string& prefix) {
  StepCost c;
  c.bits_up = r.u64(prefix + ".bits_up");
  c.bits_down = r.u64(prefix + ".bits_down");
  c.full_grads = r.u64(prefix + ".full_grads");
  c.sample_grads = r.u64(prefix + ".sample_grads");
  return c;
}

void write_body(StateWriter& w, const Checkpoint& c) {
  w.text("config_hash", c.config_hash);
  w.u64("workers", c.workers);
  w.u64("method_count", c.method_count);
  w.u64("metric_count", c.metric_count);
  w.text("problem", c.problem);
  w.u64("constant_count", c.problem_constants.size());
  for (const auto& [name, value] : c.problem_constants) {
    w.text("constant.name", name);
    w.f64("constant.value", value);
  }

  std::array<double, 4> buf{};
  w.u64("finished_count", c.finished.size());
  for (const MethodResult& m : c.finished) {
    w.u64("result.status", status_code(m.status));
    w.u64("result.rounds", m.rounds);
    w.u64("result.final.round", m.final_row.round);
    w.f64s("result.final.metrics", m.final_row.metrics);
    w.f64s("result.final.cost", cost_values(m.final_row.cost, buf));
    w.f64("result.final.wall_s", m.final_row.wall_s);
    w.f64s("result.init_cost", cost_values(m.init_cost, buf));
    w.f64("result.init_wall_s", m.init_wall_s);
    w.f64("result.wall_s", m.wall_s);
    w.f64("result.eval_wall_s", m.eval_wall_s);
    w.f64("result.transport_bytes_sent", m.transport_bytes_sent);
    w.u64("result.parameter_count", m.parameters.size());
    for (const auto& [name, value] : m.parameters) {
      w.text("parameter.name", name);
      w.f64("parameter.value", value);
    }
  }

  // The rows column by column: one field per column rather than five per row.
  const std::size_t n = c.rows.size();
  std::vector<std::uint32_t> methods(n), rounds(2 * n);
  std::vector<double> metrics, costs, walls(n);
  metrics.reserve(n * c.metric_count);
  costs.reserve(n * 4);
  for (std::size_t i = 0; i < n; ++i) {
    const MetricRow& row = c.rows[i];
    methods[i] = static_cast<std::uint32_t>(row.method);
    rounds[2 * i] = static_cast<std::uint32_t>(row.round & 0xFFFFFFFFu);
    rounds[2 * i + 1] = static_cast<std::uint32_t>(row.round >> 32);
    metrics.insert(metrics.end(), row.metrics.begin(), row.metrics.end());
    for (double v : cost_values(row.cost, buf)) costs.push_back(v);
    walls[i] = row.wall_s;
  }
  w.u64("row_count", n);
  w.u32s("rows.method", methods);
  w.u32s("rows.round", rounds);  // (low, high) 32-bit halves
  w.f64s("rows.metrics", metrics);
  w.f64s("rows.cost", costs);
  w.f64s("rows.wall_s", walls);

  w.u64("running.method", c.running.index);
  w.u64("running.round", c.running.round);
  w.f64("running.elapsed_s", c.running.elapsed_s);
  w.f64("running.eval_s", c.running.eval_s);
  w.f64("running.init_elapsed_s", c.running.init_elapsed_s);
  w.f64("running.initial_primary", c.running.initial_primary);

  for (const std::string& s : c.worker_states) w.text("worker_state", s);
}

// A count read from the file, bounded by what the file can hold (each entry takes at least
// `min_bytes` bytes), so that a bad count is an error rather than a huge allocation.
std::size_t bounded(StateReader& r, std::string_view name, std::size_t total_bytes,
                    std::size_t min_bytes, const std::string& file) {
  const std::uint64_t v = r.u64(name);
  if (v > total_bytes / min_bytes) {
    throw DataError(file + ": field '" + std::string(name) + "' = " + std::to_string(v) +
                    " is more than the file can hold");
  }
  return static_cast<std::size_t>(v);
}

Checkpoint read_body(std::span<const std::uint8_t> body, const std::string& file) {
  StateReader r(body, file);
  const std::size_t size = body.size();
  auto bad = [&](const std::string& why) {
    return DataError(file + ": malformed checkpoint: " + why);
  };
  Checkpoint c;
  c.config_hash = r.text("config_hash");
  c.workers = r.u64("workers");
  c.method_count = r.u64("method_count");
  c.metric_count = bounded(r, "metric_count", size, 8, file);
  if (c.workers < 1 || c.method_count < 1 || c.metric_count < 1) {
    throw bad("workers, method_count and metric_count must be >= 1");
  }
  c.problem = r.text("problem");
  const std::size_t constants = bounded(r, "constant_count", size, 8, file);
  for (std::size_t i = 0; i < constants; ++i) {
    std::string name = r.text("constant.name");
    // The writer lists a map, so names are unique and increasing; anything else would be
    // silently merged (a repeated name keeping one of its values) instead of rejected.
    if (!c.problem_constants.empty() && name <= c.problem_constants.rbegin()->first) {
      throw bad("problem constant '" + name.substr(0, 64) + "' repeated or out of order");
    }
    c.problem_constants.emplace_hint(c.problem_constants.end(), std::move(name),
                                     r.f64("constant.value"));
  }

  std::array<double, 4> cost{};
  const std::size_t finished = bounded(r, "finished_count", size, 8, file);
  if (finished >= c.method_count) {
    throw bad(std::to_string(finished) + " finished methods of " + std::to_string(c.method_count));
  }
  for (std::size_t i = 0; i < finished; ++i) {
    MethodResult m;
    const std::uint64_t status = r.u64("result.status");
    if (status >= std::size(kStatuses)) throw bad("unknown status " + std::to_string(status));
    m.status = kStatuses[status];
    m.rounds = r.u64("result.rounds");
    m.final_row.method = i;
    m.final_row.round = r.u64("result.final.round");
    m.final_row.metrics.resize(c.metric_count);
    r.f64s("result.final.metrics", m.final_row.metrics);
    r.f64s("result.final.cost", cost);
    m.final_row.cost = cost_from(cost);
    m.final_row.wall_s = r.f64("result.final.wall_s");
    r.f64s("result.init_cost", cost);
    m.init_cost = cost_from(cost);
    m.init_wall_s = r.f64("result.init_wall_s");
    m.wall_s = r.f64("result.wall_s");
    m.eval_wall_s = r.f64("result.eval_wall_s");
    m.transport_bytes_sent = r.f64("result.transport_bytes_sent");
    const std::size_t params = bounded(r, "result.parameter_count", size, 8, file);
    for (std::size_t p = 0; p < params; ++p) {
      std::string name = r.text("parameter.name");
      if (!m.parameters.empty() && name <= m.parameters.rbegin()->first) {
        throw bad("parameter '" + name.substr(0, 64) + "' of finished method " + std::to_string(i) +
                  " repeated or out of order");
      }
      m.parameters.emplace_hint(m.parameters.end(), std::move(name), r.f64("parameter.value"));
    }
    c.finished.push_back(std::move(m));
  }

  const std::size_t n = bounded(r, "row_count", size, 8 * (c.metric_count + 5), file);
  std::vector<std::uint32_t> methods, rounds;
  r.u32s("rows.method", methods, n);
  r.u32s("rows.round", rounds, 2 * n);
  if (methods.size() != n || rounds.size() != 2 * n) throw bad("row columns of unequal length");
  std::vector<double> metrics(n * c.metric_count), costs(n * 4), walls(n);
  r.f64s("rows.metrics", metrics);
  r.f64s("rows.cost", costs);
  r.f64s("rows.wall_s", walls);

  c.running.index = r.u64("running.method");
  c.running.round = r.u64("running.round");
  c.running.elapsed_s = r.f64("running.elapsed_s");
  c.running.eval_s = r.f64("running.eval_s");
  c.running.init_elapsed_s = r.f64("running.init_elapsed_s");
  c.running.initial_primary = r.f64("running.initial_primary");
  if (c.running.index != finished) {
    throw bad("running method " + std::to_string(c.running.index) + " after " +
              std::to_string(finished) + " finished ones");
  }
  if (c.running.round < 1) throw bad("running round 0 (checkpoints follow a round)");

  c.rows.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    MetricRow& row = c.rows[i];
    row.method = methods[i];
    if (row.method > c.running.index || (i > 0 && row.method < c.rows[i - 1].method)) {
      throw bad("row " + std::to_string(i) + " belongs to method " + std::to_string(row.method));
    }
    row.round = static_cast<std::uint64_t>(rounds[2 * i]) |
                (static_cast<std::uint64_t>(rounds[2 * i + 1]) << 32);
    row.metrics.assign(metrics.begin() + static_cast<std::ptrdiff_t>(i * c.metric_count),
                       metrics.begin() + static_cast<std::ptrdiff_t>((i + 1) * c.metric_count));
    row.cost = cost_from(std::span<const double>(costs).subspan(4 * i, 4));
    row.wall_s = walls[i];
  }

  if (c.workers > size) throw bad("more workers than the file can hold");
  for (std::uint64_t w = 0; w < c.workers; ++w) {
    c.worker_states.push_back(r.text("worker_state", kUnlimited));
  }
  r.expect_end();
  return c;
}

}  // namespace

std::vector<std::uint8_t> encode_checkpoint(const Checkpoint& c) {
  StateWriter body;
  write_body(body, c);
  const std::vector<std::uint8_t>& b = body.bytes();
  StateWriter w;
  w.u64("format_version", kCheckpointFormatVersion);
  w.text("dcopt_version", DCOPT_VERSION);
  w.text("body", std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  std::vector<std::uint8_t> out(kMagic.size() + w.bytes().size());
  std::copy(kMagic.begin(), kMagic.end(), out.begin());
  std::copy(w.bytes().begin(), w.bytes().end(), out.begin() + kMagic.size());
  StateWriter trailer;
  trailer.u64(kChecksumField, fnv1a64(out));
  out.insert(out.end(), trailer.bytes().begin(), trailer.bytes().end());
  return out;
}

Checkpoint decode_checkpoint(std::span<const std::uint8_t> bytes, const std::string& file) {
  if (bytes.size() < kMagic.size() ||
      std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    throw DataError(file + ": not a dcopt checkpoint (it does not begin with '" +
                    std::string(kMagic) +
                    "'); give the directory that `dcopt run --checkpoint-every` wrote");
  }
  auto damaged = [&](const std::string& why) {
    return DataError(file + ": truncated or corrupted checkpoint (" + why +
                     "); it cannot be resumed: resume from an intact copy or start the run again");
  };
  // A StateReader's message begins with the file name, which the message below already gives.
  auto detail = [&](const DataError& e) {
    std::string what = e.what();
    if (what.rfind(file + ": ", 0) == 0) what.erase(0, file.size() + 2);
    return what;
  };
  StateReader r(bytes.subspan(kMagic.size()), file);
  std::uint64_t version = 0;
  std::string written_by;
  try {
    version = r.u64("format_version");
    written_by = r.text("dcopt_version", 256);
  } catch (const DataError& e) {
    throw damaged(detail(e));
  }
  if (version != kCheckpointFormatVersion) {
    throw DataError(file + ": checkpoint format version " + std::to_string(version) +
                    " (written by dcopt " + written_by + "); this dcopt (" + DCOPT_VERSION +
                    ") reads version " + std::to_string(kCheckpointFormatVersion) +
                    " only: resume with the dcopt that wrote it, or start the run again");
  }
  std::string body;
  std::uint64_t stored = 0;
  try {
    body = r.text("body", kUnlimited);
    stored = r.u64(kChecksumField);
    r.expect_end();
  } catch (const DataError& e) {
    throw damaged(detail(e));
  }
  // The checksum covers every byte before its own field, which has a fixed size.
  const std::uint64_t actual = fnv1a64(bytes.first(bytes.size() - kChecksumFieldSize));
  if (stored != actual) {
    throw damaged("its content hashes to " + hex64(actual) + ", the stored hash is " +
                  hex64(stored));
  }
  return read_body(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(body.data()),
                                                 body.size()),
                   file);
}

std::string encode_worker_state(const WorkerProgress& p, const Method& method) {
  StateWriter w;
  w.text("method", method.name());
  write_step_cost(w, "cost", p.cost);
  write_step_cost(w, "init_cost", p.init_cost);
  w.u64("transport_bytes_sent", p.transport_bytes_sent);
  method.save(w);
  const std::vector<std::uint8_t>& b = w.bytes();
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

WorkerProgress decode_worker_state(const std::string& bytes, Method& method,
                                   const std::string& what) {
  StateReader r(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                              bytes.size()),
                what);
  const std::string name = r.text("method", 256);
  if (name != method.name()) {
    throw DataError(what + ": holds the state of method '" + name + "', but the method is '" +
                    method.name() + "'");
  }
  WorkerProgress p;
  p.cost = read_step_cost(r, "cost");
  p.init_cost = read_step_cost(r, "init_cost");
  p.transport_bytes_sent = r.u64("transport_bytes_sent");
  method.load(r);
  r.expect_end();
  return p;
}

}  // namespace dcopt

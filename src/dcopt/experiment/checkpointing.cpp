#include "dcopt/experiment/checkpointing.hpp"

#include <algorithm>
#include <stdexcept>

#include "dcopt/core/error.hpp"
#include "dcopt/experiment/checkpoint_file.hpp"
#include "dcopt/experiment/experiment_hash.hpp"

namespace dcopt {
namespace {

// The first byte of what rank 0 broadcasts: the file follows, or the text of an error.
enum : std::uint8_t { kFileFollows = 0, kInvalidArgument = 1, kDataError = 2, kIoError = 3 };

// Sized first and copied into (GCC 12 warns falsely, -Warray-bounds, on inserting into a
// one-element vector).
Bytes message(std::uint8_t kind, std::span<const std::uint8_t> payload) {
  Bytes b(1 + payload.size());
  b[0] = kind;
  std::copy(payload.begin(), payload.end(), b.begin() + 1);
  return b;
}

Bytes message(std::uint8_t kind, const std::string& text) {
  return message(kind, std::span<const std::uint8_t>(
                           reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

[[noreturn]] void raise(const Bytes& b) {
  const std::string text(b.begin() + 1, b.end());
  switch (b[0]) {
    case kInvalidArgument: throw InvalidArgument(text);
    case kDataError: throw DataError(text);
    default: throw std::runtime_error(text);
  }
}

}  // namespace

Checkpoint read_checkpoint_collective(WorkerContext& ctx, const std::filesystem::path& dir,
                                      const ExperimentConfig& config) {
  const std::string file = checkpoint_file(dir).string();
  Bytes b;
  if (ctx.rank() == 0) {
    try {
      b = message(kFileFollows, read_checkpoint_file(dir));
    } catch (const InvalidArgument& e) {
      b = message(kInvalidArgument, e.what());
    } catch (const DataError& e) {
      b = message(kDataError, e.what());
    } catch (const std::exception& e) {
      b = message(kIoError, file + ": " + e.what());
    }
  }
  ctx.comm.broadcast(b, 0);
  if (b.empty()) throw std::runtime_error(file + ": the checkpoint broadcast arrived empty");
  if (b[0] != kFileFollows) raise(b);

  Checkpoint c = decode_checkpoint(std::span<const std::uint8_t>(b).subspan(1), file);
  if (c.workers != static_cast<std::uint64_t>(config.workers)) {
    throw InvalidArgument(file + ": was written by a run with " + std::to_string(c.workers) +
                          " workers; this run has workers = " + std::to_string(config.workers) +
                          ": resume with the same config and --set values");
  }
  const std::string hash = experiment_hash(config);
  if (c.config_hash != hash) {
    throw InvalidArgument(file + ": was written for config hash " + c.config_hash +
                          "; this config (" + config.source +
                          " with these --set values) has config hash " + hash +
                          ": resume with the same config and --set values (--out, --backend, "
                          "--quiet, --checkpoint-* and [output] may differ)");
  }
  if (c.method_count != config.methods.size() || c.running.round >= config.stop.max_rounds) {
    throw DataError(file + ": inconsistent with its config hash (method " +
                    std::to_string(c.running.index) + " of " + std::to_string(c.method_count) +
                    ", round " + std::to_string(c.running.round) + "; the config has " +
                    std::to_string(config.methods.size()) +
                    " methods and max_rounds = " + std::to_string(config.stop.max_rounds) + ")");
  }
  return c;
}

void write_checkpoint_collective(WorkerContext& ctx, const std::filesystem::path& dir,
                                 Checkpoint& shared, const std::string& mine) {
  std::vector<Bytes> states =
      ctx.comm.gather(std::span<const std::uint8_t>(
                          reinterpret_cast<const std::uint8_t*>(mine.data()), mine.size()),
                      0);
  Bytes status;
  if (ctx.rank() == 0) {
    try {
      shared.worker_states.clear();
      for (const Bytes& s : states) shared.worker_states.emplace_back(s.begin(), s.end());
      write_checkpoint_file(dir, encode_checkpoint(shared));
    } catch (const std::exception& e) {
      status = message(kIoError, e.what());
    }
    shared.worker_states.clear();  // the next checkpoint gathers them again
  }
  // Every rank learns whether the write worked, so that a failure ends every rank the same way.
  ctx.comm.broadcast(status, 0);
  if (!status.empty()) raise(status);
}

void agree_or_throw(WorkerContext& ctx, const std::string& error) {
  const std::vector<Bytes> all = ctx.comm.allgather(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(error.data()), error.size()));
  for (const Bytes& e : all) {
    if (!e.empty()) throw DataError(std::string(e.begin(), e.end()));
  }
}

namespace {

// Absolute and normalized, for comparing where two options point.
std::filesystem::path canonical_path(const std::filesystem::path& p) {
  std::filesystem::path a = std::filesystem::absolute(p).lexically_normal();
  if (!a.has_filename()) a = a.parent_path();
  return a;
}

bool is_inside(const std::filesystem::path& p, const std::filesystem::path& dir) {
  const std::filesystem::path rel = canonical_path(p).lexically_relative(canonical_path(dir));
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

CheckpointOptions checkpoint_options(std::uint64_t every, std::uint64_t halt_after,
                                     const std::string& dir, const std::string& resume,
                                     const std::filesystem::path& out) {
  CheckpointOptions ck;
  ck.every = every;
  ck.halt_after = halt_after;
  ck.resume = resume;
  if (ck.every == 0 && ck.halt_after == 0) {
    if (!dir.empty()) {
      throw InvalidArgument("--checkpoint-dir " + dir +
                            ": no checkpoint is written without --checkpoint-every N or "
                            "--halt-after R");
    }
    return ck;
  }
  ck.dir = dir.empty() ? default_checkpoint_dir(out) : std::filesystem::path(dir);
  // The output directory is replaced as a whole when the run ends: a checkpoint inside it
  // would be lost (or would be in the way).
  if (is_inside(ck.dir, out) || is_inside(out, ck.dir)) {
    throw InvalidArgument("--checkpoint-dir " + ck.dir.string() + ": must lie outside the output " +
                          "directory " + out.string() + " and not contain it (default: " +
                          default_checkpoint_dir(out).string() + ")");
  }
  return ck;
}

}  // namespace dcopt

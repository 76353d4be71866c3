#pragma once
// "Error memory": compress v = e + x, send C(v), keep e = v - C(v) (error feedback, Stich et al.
// 2018 / Karimireddy et al. 2019; ALGORITHMS.md §2.4, §5.3, §5.4). Nothing about it is specific
// to VIs: the same object serves a worker's uplink memory (EF, EF-GDA, MASHA2) and the server's
// downlink memory (MASHA2's bidirectional mode). The state is just e; the two moves are `load`
// (v = e + scale x) and `keep_residual` (e = v - decoded).
//
// Invariant: after keep_residual, e + (what was sent) == v exactly in exact arithmetic; with an
// exact codec (identity at fp64) e stays exactly 0.
#include <cstdint>
#include <span>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

class ErrorMemory {
 public:
  explicit ErrorMemory(std::size_t dim) : e_(dim, 0.0), v_(dim, 0.0), decoded_(dim, 0.0) {}

  /// v = e + scale * x; returns v (valid until the next load).
  std::span<const double> load(std::span<const double> x, double scale = 1.0);
  /// e = v - decoded, where decoded is what the receiver reconstructs from the sent C(v).
  void keep_residual(std::span<const double> decoded);

  /// Worker side, collective: sends C(e + scale x) and writes the average over workers of the
  /// decoded messages into `avg` (average_compressed with `opt`: its streams, weights and decode
  /// scale apply; my_decoded is used internally), keeping the residual. Returns this worker's
  /// uplink bits.
  std::uint64_t exchange(WorkerContext& ctx, const Compressor& codec, std::span<const double> x,
                         double scale, std::span<double> avg, std::uint64_t round, unsigned slot,
                         ExchangeOptions opt = {});

  /// Server side: received = C_serv(e + aggregate), keeping the residual. Runs on every device
  /// identically (the server is a role); returns the downlink bits per device.
  std::uint64_t broadcast(const WorkerContext& ctx, const Compressor& server_codec,
                          std::span<const double> aggregate, std::span<double> received,
                          std::uint64_t round, unsigned slot);

  std::span<const double> error() const { return e_; }
  /// Sets e (a checkpoint's saved error); sizes must match.
  void restore(std::span<const double> e) { vec::copy(e, e_); }
  void clear() { vec::fill(e_, 0.0); }

  /// State: e.
  void save(StateWriter& w, std::string_view name) const { w.f64s(name, e_); }
  void load(StateReader& r, std::string_view name) { r.f64s(name, e_); }

 private:
  vec::Vec e_, v_, decoded_;
};

}  // namespace dcopt

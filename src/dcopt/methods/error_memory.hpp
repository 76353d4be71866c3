#pragma once
// "Error memory": compress v = e + x, send C(v), keep e = v - C(v) (error feedback, Stich et al.
// 2018 / Karimireddy et al. 2019; ALGORITHMS.md §2.4, §5.3, §5.4). Nothing about it is specific
// to VIs: the same object serves a worker's uplink memory and the server's downlink memory, and
// a minimization method (EF-SGD, EF21-style variants) can reuse it. Written so that a second
// error-memory block elsewhere can be unified with it: the state is just e, and the two moves
// are `load` (v = e + scale x) and `keep_residual` (e = v - decoded).
//
// Invariant: after keep_residual, e + (what was sent) == v exactly in exact arithmetic; with an
// exact codec (identity at fp64) e stays exactly 0.
#include <cstdint>
#include <span>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

class ErrorMemory {
 public:
  explicit ErrorMemory(std::size_t dim) : e_(dim, 0.0), v_(dim, 0.0) {}

  /// v = e + scale * x; returns v (valid until the next load).
  std::span<const double> load(std::span<const double> x, double scale = 1.0);
  /// e = v - decoded, where decoded is what the receiver reconstructs from the sent C(v).
  void keep_residual(std::span<const double> decoded);

  std::span<const double> error() const { return e_; }
  void clear() { vec::fill(e_, 0.0); }

 private:
  vec::Vec e_, v_;
};

/// Worker side: average over workers of C_w(e_w + scale x_w) into `avg`, each worker keeping its
/// own residual. Collective. Returns this worker's uplink bits (average_compressed's slot rules).
std::uint64_t average_compressed_with_memory(WorkerContext& ctx, const Compressor& codec,
                                             ErrorMemory& memory, std::span<const double> x,
                                             double scale, std::span<double> avg,
                                             std::uint64_t round, unsigned slot);

/// Server side: received = C_serv(e_serv + aggregate), e_serv keeps the residual. Runs on every
/// device identically (the server is a role); returns the downlink bits per device.
std::uint64_t server_broadcast_with_memory(const WorkerContext& ctx, const Compressor& server_codec,
                                           ErrorMemory& memory, std::span<const double> aggregate,
                                           std::span<double> received, std::uint64_t round,
                                           unsigned slot);

}  // namespace dcopt

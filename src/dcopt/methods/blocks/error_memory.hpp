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
#include <string_view>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/core/state_io.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "dcopt/methods/worker_context.hpp"

namespace dcopt {

template <class T>
class ErrorMemory {
 public:
  explicit ErrorMemory(std::size_t dim) : e_(dim, T{0}), v_(dim, T{0}), decoded_(dim, T{0}) {}

  /// v = e + scale * x; returns v (valid until the next load).
  std::span<const T> load(std::span<const T> x, double scale = 1.0);
  /// e = v - decoded, where decoded is what the receiver reconstructs from the sent C(v).
  void keep_residual(std::span<const T> decoded);

  /// Worker side, collective: sends C(e + scale x) through `exchange` and writes the average over
  /// workers of the decoded messages into `avg` (with `opt`: its streams, weights and decode scale
  /// apply; my_decoded is used internally), keeping the residual. Returns this worker's uplink
  /// bits.
  std::uint64_t exchange(WorkerContext& ctx, Exchange<T>& exchange, const Compressor& codec,
                         std::span<const T> x, double scale, std::span<T> avg, std::uint64_t round,
                         BasicExchangeOptions<T> opt = {});

  /// Server side: received = C_serv(e + aggregate), keeping the residual. Runs on every device
  /// identically (the server is a role); returns the downlink bits per device.
  std::uint64_t broadcast(const WorkerContext& ctx, Exchange<T>& exchange,
                          const Compressor& server_codec, std::span<const T> aggregate,
                          std::span<T> received, std::uint64_t round);

  std::span<const T> error() const { return e_; }
  void clear() { vec::fill(e_, T{0}); }

  /// State: e.
  void save(StateWriter& w, std::string_view name) const {
    write_values(w, name, std::span<const T>(e_));
  }
  void load(StateReader& r, std::string_view name) { read_values(r, name, std::span<T>(e_)); }

 private:
  std::vector<T> e_, v_, decoded_;
};

extern template class ErrorMemory<double>;
extern template class ErrorMemory<float>;

}  // namespace dcopt

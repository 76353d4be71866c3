#pragma once
// The SPMD Communicator contract (DESIGN.md). Every rank calls the same collectives in the same
// order. Every call is metered: a rank's bytes sent and received, counted as the payload a
// point-to-point realization would move for that rank (see each method).
//
// Determinism: allreduce_sum adds the ranks' contributions in rank order on every rank, so the
// result is bit-identical on every rank and on every backend.
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/comm/traffic_meter.hpp"

namespace dcopt {

using Bytes = std::vector<std::uint8_t>;

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Returns once every rank has called it. Moves no payload, so it meters nothing.
  virtual void barrier() = 0;
  /// Every rank contributes `mine` (any size, may be empty, sizes may differ); every rank gets
  /// all contributions indexed by rank. Metered: sent = |mine| * (size-1),
  /// received = sum of the others' sizes.
  virtual std::vector<Bytes> allgather(std::span<const std::uint8_t> mine) = 0;
  /// `bytes` of `root` are copied to every rank (resized as needed). Metered: root sends
  /// |bytes| * (size-1); every other rank receives |bytes|.
  virtual void broadcast(Bytes& bytes, int root) = 0;
  /// Root gets every rank's contribution indexed by rank; other ranks get an empty vector.
  /// Metered: a non-root sends |mine|; root receives the others' sizes.
  virtual std::vector<Bytes> gather(std::span<const std::uint8_t> mine, int root) = 0;
  /// Element-wise sum over ranks, in rank order, result on every rank. All ranks must pass the
  /// same length (checked; CommError otherwise). Metered as an allgather of 8*|values| bytes.
  virtual void allreduce_sum(std::span<double> values) = 0;

  TrafficMeter& meter() { return meter_; }
  const TrafficMeter& meter() const { return meter_; }

 protected:
  TrafficMeter meter_;
};

}  // namespace dcopt

#pragma once
// What one worker's method program runs with: its communicator (rank, size), the run's seed,
// from which every random stream is derived (core/rng.hpp), and how the server role is realized
// on the ranks (topology.hpp; the numbers are the same either way).
#include <cstdint>

#include "dcopt/comm/communicator.hpp"
#include "dcopt/methods/topology.hpp"

namespace dcopt {

struct WorkerContext {
  Communicator& comm;
  std::uint64_t seed = 0;
  Topology topology = Topology::allgather;

  int rank() const { return comm.rank(); }
  int size() const { return comm.size(); }
  /// Under Topology::server, whether this rank is the server (always true under allgather, where
  /// every rank runs the server step).
  bool runs_server() const { return topology == Topology::allgather || rank() == kServerRank; }
};

}  // namespace dcopt

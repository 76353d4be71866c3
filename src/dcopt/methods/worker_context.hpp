#pragma once
// What one worker's method program runs with: its communicator (rank, size) and the run's seed,
// from which every random stream is derived (core/rng.hpp).
#include <cstdint>

#include "dcopt/comm/communicator.hpp"

namespace dcopt {

struct WorkerContext {
  Communicator& comm;
  std::uint64_t seed = 0;

  int rank() const { return comm.rank(); }
  int size() const { return comm.size(); }
};

}  // namespace dcopt

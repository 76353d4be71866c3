// Measured traffic of the two topologies (docs/PERFORMANCE.md, "Topologies under MPI"): one
// method round's exchange, Exchange<double>::average of the workers' compressed messages plus
// the server's broadcast, on as many MPI ranks as mpirun starts. Prints one line per run from
// rank 0: the bytes the server rank and a worker rank (mean of ranks 1..n-1) received and sent
// per round, as counted by the communicator's traffic meter (the payload MPI moves for the
// rank), and the wall time per round (median over the measured rounds, each round between two
// barriers). Usage:
//   mpirun -np N bench/topology_traffic_mpi TOPOLOGY CODEC SERVER_CODEC DIM ROUNDS
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dcopt/comm/mpi_comm.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/methods/blocks/exchange.hpp"

namespace {

constexpr int kWarmUp = 3;

int run(int argc, char** argv) {
  dcopt::MpiSession session(argc, argv);
  dcopt::MpiComm comm;
  if (argc != 6) {
    if (comm.rank() == 0) {
      std::fprintf(stderr, "usage: %s allgather|server CODEC SERVER_CODEC DIM ROUNDS\n", argv[0]);
    }
    return 2;
  }
  const dcopt::Topology topology = dcopt::parse_topology(argv[1], "topology");
  dcopt::CompressorPtr codec = dcopt::make_compressor(argv[2]);
  dcopt::CompressorPtr server = dcopt::make_compressor(argv[3]);
  const auto dim = static_cast<std::size_t>(std::strtoull(argv[4], nullptr, 10));
  const int rounds = std::atoi(argv[5]);
  dcopt::WorkerContext ctx{comm, 1, topology};
  dcopt::StreamPlan plan;
  dcopt::Exchange<double> exchange(plan.exchange("bench"));
  std::vector<double> x(dim), avg(dim), received(dim);
  for (std::size_t j = 0; j < dim; ++j) {
    x[j] = static_cast<double>((j * 7919 + static_cast<std::size_t>(comm.rank()) * 104729) % 1000) -
           499.5;
  }
  std::vector<double> seconds;
  for (int k = 1; k <= kWarmUp + rounds; ++k) {
    if (k == kWarmUp + 1) comm.meter().reset();
    comm.barrier();
    const double t0 = MPI_Wtime();
    exchange.average(ctx, *codec, x, avg, static_cast<std::uint64_t>(k));
    exchange.broadcast(ctx, *server, avg, received, static_cast<std::uint64_t>(k));
    comm.barrier();
    if (k > kWarmUp) seconds.push_back(MPI_Wtime() - t0);
  }
  std::sort(seconds.begin(), seconds.end());
  const dcopt::Traffic t = comm.meter().total();
  // Per-rank figures go to rank 0 through MPI directly, after the measured rounds (unmetered).
  const double mine[2] = {static_cast<double>(t.bytes_received) / rounds,
                          static_cast<double>(t.bytes_sent) / rounds};
  std::vector<double> all(2 * static_cast<std::size_t>(comm.size()));
  MPI_Gather(mine, 2, MPI_DOUBLE, all.data(), 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (comm.rank() == 0) {
    const int n = comm.size();
    double worker_recv = 0, worker_sent = 0;
    for (int r = 1; r < n; ++r) {
      worker_recv += all[2 * static_cast<std::size_t>(r)] / (n - 1);
      worker_sent += all[2 * static_cast<std::size_t>(r) + 1] / (n - 1);
    }
    std::printf(
        "%s n=%d codec=%s server=%s d=%zu: rank0 recv %.0f sent %.0f B/round; "
        "worker recv %.0f sent %.0f B/round; %.3f ms/round (median of %d)\n",
        argv[1], n, argv[2], argv[3], dim, all[0], all[1], worker_recv, worker_sent,
        1e3 * seconds[seconds.size() / 2], rounds);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "topology_traffic_mpi: %s\n", e.what());
    return 1;
  }
}

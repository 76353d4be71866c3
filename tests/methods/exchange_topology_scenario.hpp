#pragma once
// The exchange scenario of the topology tests (exchange_topology_test.cpp on threads,
// exchange_topology_mpi.cpp under mpirun): kWorkers ranks, 3 rounds of Exchange<T>::average (or
// average_everywhere) and broadcast, over codec cases covering every path of the exchange.
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/methods/blocks/exchange.hpp"

namespace dcopt::testing {

constexpr int kWorkers = 4;
constexpr std::size_t kDim = 23;  // not a multiple of 8: codecs pad their last byte

// Worker w's vector in round k: varied magnitudes and signs, so that rounding order matters.
template <class T>
std::vector<T> input(int w, std::uint64_t k) {
  std::vector<T> x(kDim);
  for (std::size_t j = 0; j < kDim; ++j) {
    const double v = (static_cast<double>(w) + 1.3) * (static_cast<double>(j) - 7.1) / 3.7 +
                     0.1 * static_cast<double>(k);
    x[j] = static_cast<T>(j % 3 == 0 ? v * 1e3 : v);
  }
  return x;
}

// What one rank sees over a few rounds: the server's averages (rank kServerRank only; other
// ranks' `avg` is not specified under the server topology), its own decoded message, what it
// received from the server, and the bit counts.
template <class T>
struct Seen {
  std::vector<T> avg, mine, received;
  std::vector<std::uint64_t> bits;
};

struct Case {
  std::string codec, server;
  bool weighted = false;
  double scale = 1.0;
};

// One rank's rounds: average (or average_everywhere) and broadcast, 3 rounds.
template <class T>
Seen<T> exchange_rounds(Communicator& comm, Topology topology, const Case& c,
                        bool everywhere = false) {
  CompressorPtr codec = make_compressor(c.codec);
  CompressorPtr server = make_compressor(c.server);
  WorkerContext ctx{comm, 17, topology};
  StreamPlan plan;
  Exchange<T> exchange(plan.exchange("topology test"));
  Seen<T> s;
  std::vector<T> avg(kDim), mine(kDim), received(kDim);
  const double weights[kWorkers] = {0.5, 0.0, 0.25, 0.25};
  for (std::uint64_t k = 1; k <= 3; ++k) {
    BasicExchangeOptions<T> o;
    o.my_decoded = mine;
    o.scale = c.scale;
    if (c.weighted) o.weights = weights;
    const std::vector<T> x = input<T>(comm.rank(), k);
    const std::uint64_t up = everywhere ? exchange.average_everywhere(ctx, *codec, x, avg, k, o)
                                        : exchange.average(ctx, *codec, x, avg, k, o);
    if (everywhere || comm.rank() == kServerRank) s.avg.insert(s.avg.end(), avg.begin(), avg.end());
    s.mine.insert(s.mine.end(), mine.begin(), mine.end());
    const std::uint64_t down = exchange.broadcast(ctx, *server, avg, received, k);
    s.received.insert(s.received.end(), received.begin(), received.end());
    s.bits.push_back(up);
    s.bits.push_back(down);
  }
  return s;
}

// Every rank's rounds on kWorkers threads (and each rank's traffic if asked).
template <class T>
std::vector<Seen<T>> run(Topology topology, const Case& c, std::vector<Traffic>* traffic = nullptr,
                         bool everywhere = false) {
  std::vector<Seen<T>> seen(kWorkers);
  std::mutex mu;
  if (traffic) traffic->assign(kWorkers, Traffic{});
  run_threads(kWorkers, [&](Communicator& comm) {
    Seen<T> s = exchange_rounds<T>(comm, topology, c, everywhere);
    std::lock_guard<std::mutex> lock(mu);
    seen[static_cast<std::size_t>(comm.rank())] = std::move(s);
    if (traffic) (*traffic)[static_cast<std::size_t>(comm.rank())] = comm.meter().total();
  });
  return seen;
}

template <class T>
inline bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

inline const std::vector<Case> kCases = {
    {"randk:k=5", "identity:precision=64"},
    {"natural_dithering", "randk:k=7"},  // a compressed downlink with a padded last byte
    {"topk:k=4", "topk:k=9", false, 0.5},
    {"randk:k=5", "natural", true},                            // partial participation
    {"identity:precision=64", "identity:precision=64"},        // the allreduce path
    {"identity:precision=32", "natural"},                      // dense fp32 values on the wire
    {"identity:precision=64", "identity:precision=64", true},  // dense but weighted: gathered
};

}  // namespace dcopt::testing

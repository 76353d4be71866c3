// The server topology of the exchange (topology.hpp, exchange.hpp): the same averages,
// broadcasts and bit counts as the allgather topology, bit for bit, for every path of the exchange
// (compressed, dense-linear, weighted, scaled, fp64 and fp32), and the traffic of the papers'
// model on the meter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "methods/exchange_topology_scenario.hpp"

namespace dcopt {
namespace {

using namespace dcopt::testing;

template <class T>
void expect_same(const Case& c) {
  SCOPED_TRACE(c.codec + " / server " + c.server + (c.weighted ? " weighted" : ""));
  const auto a = run<T>(Topology::allgather, c);
  const auto s = run<T>(Topology::server, c);
  ASSERT_EQ(a[0].avg.size(), 3 * kDim);
  EXPECT_TRUE(same_bits(a[kServerRank].avg, s[kServerRank].avg)) << "the server's average";
  for (int w = 0; w < kWorkers; ++w) {
    SCOPED_TRACE("rank " + std::to_string(w));
    EXPECT_TRUE(same_bits(a[w].mine, s[w].mine));
    EXPECT_TRUE(same_bits(a[w].received, s[w].received));
    EXPECT_EQ(a[w].bits, s[w].bits);
    // Every rank applies the same broadcast under both topologies.
    EXPECT_TRUE(same_bits(s[0].received, s[w].received));
  }
}

TEST(ExchangeTopology, ServerGivesTheSameNumbersAsAllgatherInFp64) {
  for (const Case& c : kCases) expect_same<double>(c);
}

TEST(ExchangeTopology, ServerGivesTheSameNumbersAsAllgatherInFp32) {
  // The dense path in fp32 is where an unordered or double-rounded sum would differ from the
  // allreduce's: the server must add the terms as the deterministic allreduce does.
  for (const Case& c : kCases) expect_same<float>(c);
}

TEST(ExchangeTopology, AverageEverywhereGivesEveryRankTheServersAverage) {
  for (const Case& c : {kCases[1], kCases[5]}) {
    const auto a = run<float>(Topology::allgather, c, nullptr, true);
    const auto s = run<float>(Topology::server, c, nullptr, true);
    for (int w = 0; w < kWorkers; ++w) {
      EXPECT_TRUE(same_bits(a[w].avg, s[w].avg)) << c.codec << " rank " << w;
      EXPECT_TRUE(same_bits(a[0].avg, s[w].avg)) << c.codec << " rank " << w;
    }
  }
}

TEST(ExchangeTopology, TrafficIsOneUplinkPerWorkerAndOneBroadcast) {
  // randk:k=5 at d = 23 and precision 64, and a dense fp64 downlink: every message has a fixed
  // size, so the bytes per rank follow from the model exactly.
  const Case c{"randk:k=5,precision=64", "identity:precision=64"};
  CompressorPtr codec = make_compressor(c.codec), server = make_compressor(c.server);
  Rng rng(1, Purpose::compressor, 0, 0);
  const std::uint64_t up = codec->encode(input<double>(0, 1), rng).bytes.size();
  const std::uint64_t down = server->encode(input<double>(0, 1), rng).bytes.size();
  const std::uint64_t rounds = 3, others = kWorkers - 1;

  std::vector<Traffic> t;
  run<double>(Topology::server, c, &t);
  // The server receives every other worker's message and sends its broadcast (the message and
  // one padding byte) to each; a worker sends its message and receives the broadcast.
  EXPECT_EQ(t[kServerRank].bytes_received, rounds * others * up);
  EXPECT_EQ(t[kServerRank].bytes_sent, rounds * others * (down + 1));
  for (int w = 1; w < kWorkers; ++w) {
    EXPECT_EQ(t[w].bytes_sent, rounds * up) << w;
    EXPECT_EQ(t[w].bytes_received, rounds * (down + 1)) << w;
  }
  // Allgather: every rank receives every other rank's message and nothing comes down.
  run<double>(Topology::allgather, c, &t);
  for (int w = 0; w < kWorkers; ++w) {
    EXPECT_EQ(t[w].bytes_received, rounds * others * up) << w;
    EXPECT_EQ(t[w].bytes_sent, rounds * others * up) << w;
  }
}

TEST(ExchangeTopology, ShareFromServerCopiesTheServersValuesExactly) {
  run_threads(3, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1, Topology::server};
    std::vector<float> v(5, static_cast<float>(comm.rank()) + 0.1f);
    Bytes buf;
    share_from_server(ctx, std::span<float>(v), buf);
    for (float x : v) EXPECT_EQ(x, 0.1f);
    // Allgather: nothing moves, every rank keeps its own.
    WorkerContext all{comm, 1, Topology::allgather};
    std::vector<double> u(2, comm.rank());
    share_from_server(all, std::span<double>(u), buf);
    EXPECT_EQ(u[0], comm.rank());
  });
}

TEST(ExchangeTopology, ParsesItsNames) {
  EXPECT_EQ(parse_topology("server", "t"), Topology::server);
  EXPECT_EQ(parse_topology("allgather", "t"), Topology::allgather);
  EXPECT_STREQ(topology_name(Topology::server), "server");
  try {
    parse_topology("ring", "cfg.toml");
    FAIL() << "accepted 'ring'";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("cfg.toml: topology = \"ring\""), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace dcopt

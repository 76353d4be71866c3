#pragma once
// How the server role of a method is realized on the ranks (docs/CLUSTER.md). Both give the same
// numbers, bit for bit; they differ in the traffic each rank sends and receives and in who does
// the server's decode work.
#include <string>
#include <string_view>

namespace dcopt {

enum class Topology {
  /// Every rank receives every worker's message and runs the server step itself (the server is
  /// replicated): no broadcast is needed, but each rank receives n-1 messages per exchange and
  /// decodes n. Dense messages with every worker sending are summed with allreduce instead.
  allgather,
  /// Rank kServerRank is the server and also a worker: it gathers the workers' messages,
  /// aggregates, encodes the result with the method's server codec and broadcasts it; the other
  /// ranks receive that one message. Real traffic then follows the papers' model: a worker sends
  /// its uplink message and receives the downlink message; the server receives n-1 uplinks and
  /// sends n-1 downlinks.
  server,
};

/// The rank that plays the server under Topology::server.
inline constexpr int kServerRank = 0;

/// "allgather" or "server".
const char* topology_name(Topology t);
/// Parses "allgather" or "server"; InvalidArgument naming `context` and the valid values
/// otherwise.
Topology parse_topology(std::string_view text, const std::string& context);

}  // namespace dcopt

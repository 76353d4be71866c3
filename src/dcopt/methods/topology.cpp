#include "dcopt/methods/topology.hpp"

#include "dcopt/core/error.hpp"

namespace dcopt {

const char* topology_name(Topology t) { return t == Topology::server ? "server" : "allgather"; }

Topology parse_topology(std::string_view text, const std::string& context) {
  if (text == "allgather") return Topology::allgather;
  if (text == "server") return Topology::server;
  std::string msg = context;
  msg += ": topology = \"";
  msg += text;
  msg += "\": valid: \"allgather\" (every rank runs the server step), \"server\" (rank 0 ";
  msg += "gathers, aggregates and broadcasts)";
  throw InvalidArgument(msg);
}

}  // namespace dcopt

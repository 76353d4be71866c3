#include "dcopt/comm/allreduce_plan.hpp"

#include <fmt/format.h>

namespace dcopt::detail {

std::string describe(const AllreduceCall& call) {
  const char* type = call.elem_bytes == 4 ? "fp32" : call.elem_bytes == 8 ? "fp64" : "?";
  const char* mode = call.mode == static_cast<std::uint64_t>(ReduceMode::deterministic)
                         ? "deterministic"
                     : call.mode == static_cast<std::uint64_t>(ReduceMode::native) ? "native"
                                                                                   : "?";
  return fmt::format("{} {} values ({}, gather limit {} B)", call.count, type, mode,
                     call.gather_limit);
}

}  // namespace dcopt::detail

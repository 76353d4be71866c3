#pragma once
// How an allreduce_sum call is realized, shared by ThreadComm and MpiComm so that both agree on
// it bit for bit: what the ranks must agree on, how the elements are split into chunks, which
// realization is used, what it meters, and the rank-order sum itself (communicator.hpp states the
// contract).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "dcopt/comm/communicator.hpp"

namespace dcopt::detail {

/// What every rank must pass identically to one allreduce_sum (compared across ranks before any
/// value moves).
struct AllreduceCall {
  std::uint64_t count = 0;       ///< elements
  std::uint64_t elem_bytes = 0;  ///< 4 (float) or 8 (double)
  std::uint64_t mode = 0;        ///< ReduceMode as an integer
  std::uint64_t gather_limit = 0;
  friend bool operator==(const AllreduceCall&, const AllreduceCall&) = default;
};

template <class T>
AllreduceCall allreduce_call(const Communicator& comm, std::size_t count) {
  return {count, sizeof(T), static_cast<std::uint64_t>(comm.reduce_mode()),
          comm.reduce_gather_limit()};
}

/// "3 fp64 values (deterministic, gather limit 65536 B)", for error messages.
std::string describe(const AllreduceCall& call);

/// First element of chunk q (0 <= q <= n) when d elements are split over n ranks: floor(q*d/n),
/// computed without overflow. Chunks differ in size by at most one element; with d < n some are
/// empty.
inline std::uint64_t chunk_begin(std::uint64_t d, int n, int q) {
  const auto nn = static_cast<std::uint64_t>(n);
  const auto qq = static_cast<std::uint64_t>(q);
  return d / nn * qq + d % nn * qq / nn;
}

struct AllreducePlan {
  bool chunked = false;           ///< reduce-scatter + allgather of chunks (else allgather all)
  std::uint64_t chunk_begin = 0;  ///< this rank's chunk (meaningful if chunked)
  std::uint64_t chunk_size = 0;
  std::uint64_t metered_bytes = 0;  ///< sent = received, per communicator.hpp
};

/// The realization of `call` on rank `rank` of `n`.
inline AllreducePlan plan_allreduce(const AllreduceCall& call, int n, int rank) {
  AllreducePlan p;
  const std::uint64_t d = call.count, s = call.elem_bytes;
  const auto nn = static_cast<std::uint64_t>(n);
  // n * d * s <= limit, written so that it cannot overflow.
  p.chunked = n > 1 && d > call.gather_limit / (nn * s);
  if (!p.chunked) {
    p.metered_bytes = (nn - 1) * d * s;
    return p;
  }
  p.chunk_begin = chunk_begin(d, n, rank);
  p.chunk_size = chunk_begin(d, n, rank + 1) - p.chunk_begin;
  // Reduce-scatter: send my part of every other chunk, receive n-1 parts of mine. Allgather:
  // send my summed chunk to n-1 ranks, receive every other summed chunk.
  p.metered_bytes = (d - p.chunk_size + (nn - 1) * p.chunk_size) * s;
  return p;
}

/// out[i] = ((in(0)[i] + in(1)[i]) + ...) + in(n-1)[i] for i < length, each addition rounded to
/// T, in blocks so that `out` stays in cache while the n inputs stream through. `in(p)` returns
/// rank p's contribution (const T*, `length` elements); `out` may be in(0) but no other input.
template <class T, class Input>
void sum_in_rank_order(T* out, std::size_t length, int n, Input in) {
  constexpr std::size_t kBlock = 16384 / sizeof(T);
  auto add = [](T* __restrict o, const T* __restrict x, std::size_t len) {
    for (std::size_t i = 0; i < len; ++i) o[i] += x[i];
  };
  for (std::size_t b = 0; b < length; b += kBlock) {
    const std::size_t len = std::min(kBlock, length - b);
    const T* first = in(0) + b;
    if (first != out + b) std::copy(first, first + len, out + b);
    for (int p = 1; p < n; ++p) add(out + b, in(p) + b, len);
  }
}

}  // namespace dcopt::detail

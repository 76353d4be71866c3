#pragma once
// Counting heap allocations in tests and benchmarks: "a steady-state round allocates nothing".
//
// The count comes from replacing the global operator new/delete of the whole program, which
// tests/support/allocation_counter_operators.hpp does: include that file in exactly ONE source
// file of a test or benchmark program. It counts only on the calling thread while a
// CountAllocations scope is open there, so other threads (gtest, other workers) do not interfere.
#include <cstdint>

namespace dcopt::testing {

inline thread_local bool g_counting_allocations = false;
inline thread_local std::uint64_t g_allocations = 0;

/// Counts the calling thread's allocations while alive.
class CountAllocations {
 public:
  CountAllocations() : start_(g_allocations) { g_counting_allocations = true; }
  ~CountAllocations() { g_counting_allocations = false; }
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;
  std::uint64_t count() const { return g_allocations - start_; }

 private:
  std::uint64_t start_;
};

}  // namespace dcopt::testing

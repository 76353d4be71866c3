#pragma once
// The memory check before a run allocates its per-worker vectors (docs/RELIABILITY.md): a
// dimension that cannot fit (a LibSVM file whose largest index is 2,000,000,000, say) is refused
// with an error naming the dimension, the memory it needs and the key to change, instead of a
// std::bad_alloc (or a swapping machine) later.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace dcopt {

/// Vectors of `dimension` doubles a run keeps per worker, an upper estimate over the methods
/// (iterate, gradients, estimator state, messages, metric buffers: at most about a dozen).
inline constexpr std::uint64_t kVectorsPerWorker = 16;

/// Bytes this process can still allocate: the smaller of the machine's MemAvailable
/// (/proc/meminfo) and what RLIMIT_AS leaves beyond the current address space (VmSize); no limit
/// known: UINT64_MAX.
std::uint64_t available_memory_bytes();

/// The bytes kVectorsPerWorker vectors of `dimension` doubles on each of `workers` workers take
/// (saturating at UINT64_MAX).
std::uint64_t run_memory_bytes(std::uint64_t dimension, int workers);

/// Throws InvalidArgument if `need` bytes exceed the available memory or `max_memory_gb` (the
/// [problem] key max_memory, in GB = 10^9 bytes); the message is `what` (e.g. "FILE: the largest
/// feature index is N, so the dimension is N"), then the figures, then `hint` (what to change).
void check_memory(std::uint64_t need, std::optional<double> max_memory_gb, const std::string& what,
                  const std::string& hint);

}  // namespace dcopt

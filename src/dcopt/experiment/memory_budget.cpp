#include "dcopt/experiment/memory_budget.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "dcopt/core/error.hpp"

namespace dcopt {

namespace {

constexpr std::uint64_t kUnknown = std::numeric_limits<std::uint64_t>::max();

// The value of `key` (in kB) in a /proc file of "Key:   value kB" lines, in bytes.
std::uint64_t proc_kb(const char* file, const std::string& key) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key, 0) == 0) {
      std::istringstream in(line.substr(key.size()));
      std::uint64_t kb = 0;
      if (in >> kb) return kb * 1024;
    }
  }
  return kUnknown;
}

std::string gb(std::uint64_t bytes) {
  return fmt::format("{:.3g} GB", static_cast<double>(bytes) / 1e9);
}

}  // namespace

std::uint64_t available_memory_bytes() {
  std::uint64_t available = proc_kb("/proc/meminfo", "MemAvailable:");
  rlimit limit{};
  if (::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    const std::uint64_t used = proc_kb("/proc/self/status", "VmSize:");
    const std::uint64_t cap = static_cast<std::uint64_t>(limit.rlim_cur);
    const std::uint64_t left = used == kUnknown ? cap : (cap > used ? cap - used : 0);
    available = std::min(available, left);
  }
  return available;
}

std::uint64_t run_memory_bytes(std::uint64_t dimension, int workers) {
  const std::uint64_t per_vector = sizeof(double);
  const std::uint64_t n = kVectorsPerWorker * static_cast<std::uint64_t>(std::max(workers, 1));
  if (dimension != 0 && dimension > kUnknown / per_vector / n) return kUnknown;
  return dimension * per_vector * n;
}

void check_memory(std::uint64_t need, std::optional<double> max_memory_gb, const std::string& what,
                  const std::string& hint) {
  const std::uint64_t available = available_memory_bytes();
  const bool over_cap = max_memory_gb && static_cast<double>(need) > *max_memory_gb * 1e9;
  if (need <= available && !over_cap) return;
  std::string why;
  if (over_cap) {
    why = fmt::format("more than max_memory = {} (GB)", *max_memory_gb);
  } else {
    why = fmt::format("but only {} are available (MemAvailable, or the address-space limit)",
                      gb(available));
  }
  throw InvalidArgument(
      fmt::format("{}: the run needs about {} ({} vectors of 8-byte values per "
                  "worker), {}; {}",
                  what, need == kUnknown ? std::string("more than 10^19 bytes") : gb(need),
                  kVectorsPerWorker, why, hint));
}

}  // namespace dcopt

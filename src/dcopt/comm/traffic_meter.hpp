#pragma once
// Bytes a rank sent and received through a Communicator: cumulative totals and a per-round
// window that the caller resets at the start of each round.
#include <cstdint>

namespace dcopt {

struct Traffic {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t messages_sent = 0;
};

class TrafficMeter {
 public:
  void record(std::uint64_t sent, std::uint64_t received) {
    total_.bytes_sent += sent;
    total_.bytes_received += received;
    round_.bytes_sent += sent;
    round_.bytes_received += received;
    if (sent > 0) {
      ++total_.messages_sent;
      ++round_.messages_sent;
    }
  }
  const Traffic& total() const { return total_; }
  const Traffic& round() const { return round_; }
  void reset_round() { round_ = Traffic{}; }
  void reset() {
    total_ = Traffic{};
    round_ = Traffic{};
  }

 private:
  Traffic total_;
  Traffic round_;
};

}  // namespace dcopt

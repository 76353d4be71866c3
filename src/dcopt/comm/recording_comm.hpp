#pragma once
// RecordingComm: a Communicator that forwards every collective to another one and, while
// recording, keeps one record per call: which collective, this rank's payload and what the
// traffic meter counted for this rank. The calls of one round in order are what a bandwidth
// model (latency + bytes / bandwidth per call) needs, and what byte totals alone hide: two
// allreduces of d/2 values cost more than one of d. The meter mirrors the inner communicator's;
// reduce settings and the collective timeout are passed on at every call (as TimedComm).
#include <cstdint>
#include <string_view>
#include <vector>

#include "dcopt/comm/communicator.hpp"

namespace dcopt {

enum class CollectiveKind {
  barrier,
  allgather,
  allgather_combine,
  broadcast,
  gather,
  allreduce_sum_f32,
  allreduce_sum_f64,
};

/// "barrier", "allgather", "allgather_combine", "broadcast", "gather", "allreduce_sum_f32",
/// "allreduce_sum_f64".
std::string_view to_string(CollectiveKind kind);

struct CollectiveRecord {
  CollectiveKind kind = CollectiveKind::barrier;
  /// This rank's payload in bytes: |mine| (allgather, allgather_combine, gather), the broadcast
  /// buffer's size after the call (root's payload, on every rank), |values| * sizeof(T)
  /// (allreduce_sum), 0 (barrier).
  std::uint64_t bytes = 0;
  /// What the inner communicator's meter counted for this rank in this call (communicator.hpp
  /// defines it per collective: e.g. a chunked allreduce sends about 2(n-1)/n of its payload).
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
};

class RecordingComm final : public Communicator {
 public:
  /// `inner` is the caller's and outlives this object. Not recording until start().
  explicit RecordingComm(Communicator& inner);

  /// Forget the records so far and record the following calls.
  void start();
  /// Stop recording (the records stay until the next start()).
  void stop() { recording_ = false; }
  bool recording() const { return recording_; }
  /// The calls recorded since start(), in call order.
  const std::vector<CollectiveRecord>& records() const { return records_; }

  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void barrier() override;
  using Communicator::allgather;
  using Communicator::gather;
  void allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) override;
  void allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                         CombineRef<double> combine) override;
  void allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                         CombineRef<float> combine) override;
  void broadcast(Bytes& bytes, int root) override;
  void gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) override;
  void allreduce_sum(std::span<float> values) override;
  void allreduce_sum(std::span<double> values) override;

 private:
  // Runs f() on the inner communicator; records `kind` with the payload that `bytes()` gives
  // after the call.
  template <class F, class B>
  void forward(CollectiveKind kind, F&& f, B&& bytes);

  Communicator& inner_;
  bool recording_ = false;
  std::vector<CollectiveRecord> records_;
};

}  // namespace dcopt

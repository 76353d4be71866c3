#pragma once
// TimedComm: a Communicator that forwards every collective to another one and adds up the wall
// time spent inside them (waiting for peers included), so a training step can be split into
// compute, compression and communication without touching the code that communicates. The
// traffic meter mirrors the inner communicator's; reduce settings and the collective timeout are
// passed on at every call.
#include "dcopt/comm/communicator.hpp"

namespace dcopt {

class TimedComm final : public Communicator {
 public:
  /// `inner` is the caller's and outlives this object.
  explicit TimedComm(Communicator& inner) : inner_(inner) {
    meter_ = inner.meter();
    set_collective_timeout(inner.collective_timeout());
  }

  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void barrier() override;
  using Communicator::allgather;
  using Communicator::gather;
  void allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) override;
  /// The combine's own time (the server step's decoding) is not counted as communication.
  void allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                         CombineRef<double> combine) override;
  void allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                         CombineRef<float> combine) override;
  void broadcast(Bytes& bytes, int root) override;
  void gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) override;
  void allreduce_sum(std::span<float> values) override;
  void allreduce_sum(std::span<double> values) override;

  /// Seconds spent in collectives since construction or the last reset.
  double seconds() const { return seconds_; }
  void reset_seconds() { seconds_ = 0; }

 private:
  template <class F>
  void timed(F&& f);
  template <class T>
  void timed_combine(std::span<const std::uint8_t> mine, std::span<T> out, CombineRef<T> f);

  Communicator& inner_;
  double seconds_ = 0;
};

}  // namespace dcopt

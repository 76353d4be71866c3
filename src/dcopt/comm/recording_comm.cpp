#include "dcopt/comm/recording_comm.hpp"

namespace dcopt {

std::string_view to_string(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::barrier: return "barrier";
    case CollectiveKind::allgather: return "allgather";
    case CollectiveKind::allgather_combine: return "allgather_combine";
    case CollectiveKind::broadcast: return "broadcast";
    case CollectiveKind::gather: return "gather";
    case CollectiveKind::allreduce_sum_f32: return "allreduce_sum_f32";
    case CollectiveKind::allreduce_sum_f64: return "allreduce_sum_f64";
  }
  return "unknown";
}

RecordingComm::RecordingComm(Communicator& inner) : inner_(inner) {
  meter_ = inner.meter();
  set_reduce_mode(inner.reduce_mode());
  set_reduce_gather_limit(inner.reduce_gather_limit());
  set_collective_timeout(inner.collective_timeout());
}

void RecordingComm::start() {
  records_.clear();
  recording_ = true;
}

template <class F, class B>
void RecordingComm::forward(CollectiveKind kind, F&& f, B&& bytes) {
  inner_.set_reduce_mode(reduce_mode());
  inner_.set_reduce_gather_limit(reduce_gather_limit());
  inner_.set_collective_timeout(collective_timeout());
  const Traffic before = inner_.meter().total();
  f();
  meter_ = inner_.meter();
  if (!recording_) return;
  const Traffic& after = inner_.meter().total();
  records_.push_back({kind, static_cast<std::uint64_t>(bytes()),
                      after.bytes_sent - before.bytes_sent,
                      after.bytes_received - before.bytes_received});
}

void RecordingComm::barrier() {
  forward(
      CollectiveKind::barrier, [&] { inner_.barrier(); }, [] { return 0; });
}

void RecordingComm::allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) {
  forward(
      CollectiveKind::allgather, [&] { inner_.allgather(mine, out); }, [&] { return mine.size(); });
}

void RecordingComm::allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                                      CombineRef<double> combine) {
  forward(
      CollectiveKind::allgather_combine, [&] { inner_.allgather_combine(mine, out, combine); },
      [&] { return mine.size(); });
}

void RecordingComm::allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                                      CombineRef<float> combine) {
  forward(
      CollectiveKind::allgather_combine, [&] { inner_.allgather_combine(mine, out, combine); },
      [&] { return mine.size(); });
}

void RecordingComm::broadcast(Bytes& bytes, int root) {
  forward(
      CollectiveKind::broadcast, [&] { inner_.broadcast(bytes, root); },
      [&] { return bytes.size(); });
}

void RecordingComm::gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) {
  forward(
      CollectiveKind::gather, [&] { inner_.gather(mine, root, out); }, [&] { return mine.size(); });
}

void RecordingComm::allreduce_sum(std::span<float> values) {
  forward(
      CollectiveKind::allreduce_sum_f32, [&] { inner_.allreduce_sum(values); },
      [&] { return values.size_bytes(); });
}

void RecordingComm::allreduce_sum(std::span<double> values) {
  forward(
      CollectiveKind::allreduce_sum_f64, [&] { inner_.allreduce_sum(values); },
      [&] { return values.size_bytes(); });
}

}  // namespace dcopt

#include "dcopt/comm/timed_comm.hpp"

#include "dcopt/core/timer.hpp"

namespace dcopt {

template <class F>
void TimedComm::timed(F&& f) {
  inner_.set_reduce_mode(reduce_mode());
  inner_.set_reduce_gather_limit(reduce_gather_limit());
  inner_.set_collective_timeout(collective_timeout());
  Stopwatch watch;
  f();
  seconds_ += watch.seconds();
  meter_ = inner_.meter();
}

void TimedComm::barrier() {
  timed([&] { inner_.barrier(); });
}
void TimedComm::allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) {
  timed([&] { inner_.allgather(mine, out); });
}
template <class T>
void TimedComm::timed_combine(std::span<const std::uint8_t> mine, std::span<T> out,
                              CombineRef<T> f) {
  double inside = 0;
  auto timed_f = [&](const MessageSet& all, std::span<T> o) {
    Stopwatch watch;
    f(all, o);
    inside += watch.seconds();
  };
  timed([&] { inner_.allgather_combine(mine, out, timed_f); });
  seconds_ -= inside;
}

void TimedComm::allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                                  CombineRef<double> f) {
  timed_combine(mine, out, f);
}

void TimedComm::allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                                  CombineRef<float> f) {
  timed_combine(mine, out, f);
}

void TimedComm::broadcast(Bytes& bytes, int root) {
  timed([&] { inner_.broadcast(bytes, root); });
}
void TimedComm::gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) {
  timed([&] { inner_.gather(mine, root, out); });
}
void TimedComm::allreduce_sum(std::span<float> values) {
  timed([&] { inner_.allreduce_sum(values); });
}
void TimedComm::allreduce_sum(std::span<double> values) {
  timed([&] { inner_.allreduce_sum(values); });
}

}  // namespace dcopt

#include "dcopt/comm/communicator.hpp"

namespace dcopt {

namespace {

template <class T>
void gather_then_combine(Communicator& comm, std::span<const std::uint8_t> mine, std::span<T> out,
                         CombineRef<T> combine) {
  std::vector<Bytes> all;
  comm.allgather(mine, all);
  combine(GatheredMessages(all), out);
}

}  // namespace

void Communicator::allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                                     CombineRef<double> combine) {
  gather_then_combine(*this, mine, out, combine);
}

void Communicator::allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                                     CombineRef<float> combine) {
  gather_then_combine(*this, mine, out, combine);
}

}  // namespace dcopt

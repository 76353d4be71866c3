#include "dcopt/comm/mpi_comm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <string>
#include <type_traits>

#include "dcopt/comm/allreduce_plan.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {

namespace {

std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) {
    return fmt::format("MPI error code {}", code);
  }
  return std::string(text, static_cast<std::size_t>(length));
}

void check(int code, const char* call) {
  if (code != MPI_SUCCESS)
    throw CommError(fmt::format("{} failed: {}", call, mpi_error_string(code)));
}

bool mpi_initialized() {
  int flag = 0;
  check(MPI_Initialized(&flag), "MPI_Initialized");
  return flag != 0;
}

bool mpi_finalized() {
  int flag = 0;
  check(MPI_Finalized(&flag), "MPI_Finalized");
  return flag != 0;
}

}  // namespace

namespace detail {
int to_mpi_count(std::uint64_t n, const char* what) {
  if (n > static_cast<std::uint64_t>(INT_MAX)) {
    throw CommError(
        fmt::format("{}: {} elements exceed MPI's int count limit ({})", what, n, INT_MAX));
  }
  return static_cast<int>(n);
}
}  // namespace detail

MpiSession::MpiSession() {
  if (!mpi_initialized()) {
    check(MPI_Init(nullptr, nullptr), "MPI_Init");
    owns_ = true;
  }
}

MpiSession::MpiSession(int& argc, char**& argv) {
  if (!mpi_initialized()) {
    check(MPI_Init(&argc, &argv), "MPI_Init");
    owns_ = true;
  }
}

MpiSession::~MpiSession() {
  // A destructor must not throw; MPI_Finalize's result cannot be acted on here anyway.
  int finalized = 1;
  if (owns_ && MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) MPI_Finalize();
}

MpiComm::MpiComm(MPI_Comm comm) {
  if (!mpi_initialized() || mpi_finalized()) {
    throw CommError("MpiComm: MPI is not initialized (create an MpiSession first)");
  }
  check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
  try {
    check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  } catch (...) {
    MPI_Comm_free(&comm_);
    throw;
  }
  sizes_.resize(static_cast<std::size_t>(size_));
  counts_.resize(static_cast<std::size_t>(size_));
  displs_.resize(static_cast<std::size_t>(size_));
  recv_counts_.resize(static_cast<std::size_t>(size_));
  recv_displs_.resize(static_cast<std::size_t>(size_));
  calls_.resize(4 * static_cast<std::size_t>(size_));
}

MpiComm::~MpiComm() {
  int finalized = 1;
  if (comm_ != MPI_COMM_NULL && MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) {
    MPI_Comm_free(&comm_);
  }
}

void MpiComm::barrier() { check(MPI_Barrier(comm_), "MPI_Barrier"); }

void MpiComm::allgather_sizes(std::uint64_t mine) {
  check(MPI_Allgather(&mine, 1, MPI_UINT64_T, sizes_.data(), 1, MPI_UINT64_T, comm_),
        "MPI_Allgather (sizes)");
}

void MpiComm::check_root(int root, const char* what) const {
  if (root < 0 || root >= size_) {
    throw CommError(fmt::format("{}: root {} is not a rank (valid: 0..{})", what, root, size_ - 1));
  }
}

std::uint64_t MpiComm::layout_from_sizes(const char* what, const char* what_total) {
  // Every rank checks the same sizes, so either all ranks throw here or none does.
  std::uint64_t total = 0;
  for (int r = 0; r < size_; ++r) {
    const auto i = static_cast<std::size_t>(r);
    counts_[i] = detail::to_mpi_count(sizes_[i], what);
    displs_[i] = detail::to_mpi_count(total, what_total);
    total += sizes_[i];
  }
  detail::to_mpi_count(total, what_total);
  return total;
}

void MpiComm::allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) {
  allgather_sizes(mine.size());
  const std::uint64_t total = layout_from_sizes("allgather", "allgather (total of all ranks)");
  flat_.resize(total);
  check(MPI_Allgatherv(mine.data(), counts_[static_cast<std::size_t>(rank_)], MPI_BYTE,
                       flat_.data(), counts_.data(), displs_.data(), MPI_BYTE, comm_),
        "MPI_Allgatherv");
  out.resize(static_cast<std::size_t>(size_));
  for (std::size_t r = 0; r < out.size(); ++r) {
    auto begin = flat_.begin() + displs_[r];
    out[r].assign(begin, begin + counts_[r]);
  }
  meter_.record(mine.size() * static_cast<std::uint64_t>(size_ - 1), total - mine.size());
}

void MpiComm::broadcast(Bytes& bytes, int root) {
  check_root(root, "broadcast");
  std::uint64_t n = bytes.size();
  check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast (size)");
  const int count = detail::to_mpi_count(n, "broadcast");
  bytes.resize(n);
  if (count > 0) check(MPI_Bcast(bytes.data(), count, MPI_BYTE, root, comm_), "MPI_Bcast");
  if (rank_ == root) {
    meter_.record(n * static_cast<std::uint64_t>(size_ - 1), 0);
  } else {
    meter_.record(0, n);
  }
}

void MpiComm::gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) {
  check_root(root, "gather");
  allgather_sizes(mine.size());
  const std::uint64_t total = layout_from_sizes("gather", "gather (total of all ranks)");
  const bool is_root = rank_ == root;
  if (is_root) flat_.resize(total);
  check(MPI_Gatherv(mine.data(), counts_[static_cast<std::size_t>(rank_)], MPI_BYTE,
                    is_root ? flat_.data() : nullptr, counts_.data(), displs_.data(), MPI_BYTE,
                    root, comm_),
        "MPI_Gatherv");
  if (!is_root) {
    out.clear();
    meter_.record(mine.size(), 0);
    return;
  }
  out.resize(static_cast<std::size_t>(size_));
  for (std::size_t r = 0; r < out.size(); ++r) {
    auto begin = flat_.begin() + displs_[r];
    out[r].assign(begin, begin + counts_[r]);
  }
  meter_.record(0, total - mine.size());
}

void MpiComm::allreduce_sum(std::span<float> values) { allreduce(values); }

void MpiComm::allreduce_sum(std::span<double> values) { allreduce(values); }

template <class T>
std::vector<T>& MpiComm::scratch() {
  if constexpr (std::is_same_v<T, float>) {
    return scratch_f32_;
  } else {
    return scratch_f64_;
  }
}

template <class T>
void MpiComm::allreduce(std::span<T> values) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  const MPI_Datatype type = std::is_same_v<T, float> ? MPI_FLOAT : MPI_DOUBLE;
  const detail::AllreduceCall call = detail::allreduce_call<T>(*this, values.size());
  const std::uint64_t words[4] = {call.count, call.elem_bytes, call.mode, call.gather_limit};
  check(MPI_Allgather(words, 4, MPI_UINT64_T, calls_.data(), 4, MPI_UINT64_T, comm_),
        "MPI_Allgather (allreduce_sum call)");
  // All ranks see the same calls, so a disagreement throws on every rank with the same message.
  auto call_of = [&](int r) {
    const std::uint64_t* w = calls_.data() + 4 * static_cast<std::size_t>(r);
    return detail::AllreduceCall{w[0], w[1], w[2], w[3]};
  };
  bool same = true;
  for (int r = 1; r < size_; ++r) same = same && call_of(r) == call_of(0);
  if (!same) {
    std::string what;
    for (int r = 0; r < size_; ++r) {
      what += fmt::format("{}rank {}: {}", r == 0 ? "" : ", ", r, detail::describe(call_of(r)));
    }
    throw CommError(fmt::format("allreduce_sum: ranks disagree ({})", what));
  }
  const int count = detail::to_mpi_count(values.size(), "allreduce_sum");
  const detail::AllreducePlan plan = detail::plan_allreduce(call, size_, rank_);
  const auto n = static_cast<std::size_t>(size_);
  const std::size_t d = values.size();
  if (d == 0 || size_ == 1) {
    // Nothing to add: the sum of one contribution is itself.
  } else if (reduce_mode() == ReduceMode::native) {
    check(MPI_Allreduce(MPI_IN_PLACE, values.data(), count, type, MPI_SUM, comm_), "MPI_Allreduce");
  } else if (!plan.chunked) {
    std::vector<T>& all = scratch<T>();
    detail::to_mpi_count(d * n, "allreduce_sum (total of all ranks)");
    all.resize(d * n);
    check(MPI_Allgather(values.data(), count, type, all.data(), count, type, comm_),
          "MPI_Allgather (allreduce_sum)");
    detail::sum_in_rank_order(values.data(), d, size_,
                              [&](int p) { return all.data() + static_cast<std::size_t>(p) * d; });
  } else {
    // Reduce-scatter: chunk q of every rank goes to rank q (counts_, displs_ describe the chunks
    // of a vector; recv_* the n pieces of our chunk, one per rank, in rank order).
    for (int q = 0; q < size_; ++q) {
      const auto i = static_cast<std::size_t>(q);
      displs_[i] = static_cast<int>(detail::chunk_begin(d, size_, q));
      counts_[i] = static_cast<int>(detail::chunk_begin(d, size_, q + 1)) - displs_[i];
    }
    const auto mine = static_cast<std::size_t>(plan.chunk_size);
    const int mine_count = detail::to_mpi_count(mine, "allreduce_sum (chunk)");
    detail::to_mpi_count(mine * n, "allreduce_sum (pieces of a chunk)");
    for (std::size_t p = 0; p < n; ++p) {
      recv_counts_[p] = mine_count;
      recv_displs_[p] = static_cast<int>(p * mine);
    }
    std::vector<T>& pieces = scratch<T>();
    pieces.resize(mine * n);
    check(MPI_Alltoallv(values.data(), counts_.data(), displs_.data(), type, pieces.data(),
                        recv_counts_.data(), recv_displs_.data(), type, comm_),
          "MPI_Alltoallv (allreduce_sum)");
    detail::sum_in_rank_order(values.data() + plan.chunk_begin, mine, size_, [&](int p) {
      return pieces.data() + static_cast<std::size_t>(p) * mine;
    });
    check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, values.data(), counts_.data(),
                         displs_.data(), type, comm_),
          "MPI_Allgatherv (allreduce_sum)");
  }
  meter_.record(plan.metered_bytes, plan.metered_bytes);
}

}  // namespace dcopt

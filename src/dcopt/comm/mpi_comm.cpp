#include "dcopt/comm/mpi_comm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <string>

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

std::vector<Bytes> MpiComm::allgather(std::span<const std::uint8_t> mine) {
  allgather_sizes(mine.size());
  // Every rank checks the same sizes, so either all ranks throw here or none does.
  std::uint64_t total = 0;
  for (int r = 0; r < size_; ++r) {
    const auto i = static_cast<std::size_t>(r);
    counts_[i] = detail::to_mpi_count(sizes_[i], "allgather");
    displs_[i] = detail::to_mpi_count(total, "allgather (total of all ranks)");
    total += sizes_[i];
  }
  detail::to_mpi_count(total, "allgather (total of all ranks)");
  flat_.resize(total);
  check(MPI_Allgatherv(mine.data(), counts_[static_cast<std::size_t>(rank_)], MPI_BYTE,
                       flat_.data(), counts_.data(), displs_.data(), MPI_BYTE, comm_),
        "MPI_Allgatherv");
  std::vector<Bytes> all(static_cast<std::size_t>(size_));
  for (std::size_t r = 0; r < all.size(); ++r) {
    auto begin = flat_.begin() + displs_[r];
    all[r].assign(begin, begin + counts_[r]);
  }
  meter_.record(mine.size() * static_cast<std::uint64_t>(size_ - 1), total - mine.size());
  return all;
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

std::vector<Bytes> MpiComm::gather(std::span<const std::uint8_t> mine, int root) {
  check_root(root, "gather");
  allgather_sizes(mine.size());
  std::uint64_t total = 0;
  for (int r = 0; r < size_; ++r) {
    const auto i = static_cast<std::size_t>(r);
    counts_[i] = detail::to_mpi_count(sizes_[i], "gather");
    displs_[i] = detail::to_mpi_count(total, "gather (total of all ranks)");
    total += sizes_[i];
  }
  detail::to_mpi_count(total, "gather (total of all ranks)");
  const bool is_root = rank_ == root;
  if (is_root) flat_.resize(total);
  check(MPI_Gatherv(mine.data(), counts_[static_cast<std::size_t>(rank_)], MPI_BYTE,
                    is_root ? flat_.data() : nullptr, counts_.data(), displs_.data(), MPI_BYTE,
                    root, comm_),
        "MPI_Gatherv");
  std::vector<Bytes> all;
  if (!is_root) {
    meter_.record(mine.size(), 0);
    return all;
  }
  all.resize(static_cast<std::size_t>(size_));
  for (std::size_t r = 0; r < all.size(); ++r) {
    auto begin = flat_.begin() + displs_[r];
    all[r].assign(begin, begin + counts_[r]);
  }
  meter_.record(0, total - mine.size());
  return all;
}

void MpiComm::allreduce_sum(std::span<double> values) {
  allgather_sizes(values.size());
  // All ranks see the same lengths, so a mismatch throws on every rank with the same message.
  if (std::any_of(sizes_.begin(), sizes_.end(), [&](std::uint64_t s) { return s != sizes_[0]; })) {
    std::string what;
    for (int r = 0; r < size_; ++r) {
      what +=
          fmt::format("{}rank {}: {}", r == 0 ? "" : ", ", r, sizes_[static_cast<std::size_t>(r)]);
    }
    throw CommError(fmt::format("allreduce_sum: ranks passed different lengths ({})", what));
  }
  const int count = detail::to_mpi_count(values.size(), "allreduce_sum");
  const std::size_t n = values.size();
  gathered_.resize(n * static_cast<std::size_t>(size_));
  check(MPI_Allgather(values.data(), count, MPI_DOUBLE, gathered_.data(), count, MPI_DOUBLE, comm_),
        "MPI_Allgather (allreduce_sum)");
  // Same operations in the same order as ThreadComm: start from rank 0 (not from 0.0, which
  // would turn -0.0 into 0.0), then add rank by rank.
  std::copy(gathered_.begin(), gathered_.begin() + static_cast<std::ptrdiff_t>(n), values.begin());
  for (std::size_t r = 1; r < static_cast<std::size_t>(size_); ++r) {
    const double* v = gathered_.data() + r * n;
    for (std::size_t i = 0; i < n; ++i) values[i] += v[i];
  }
  const std::uint64_t bytes = 8 * n * static_cast<std::uint64_t>(size_ - 1);
  meter_.record(bytes, bytes);
}

}  // namespace dcopt

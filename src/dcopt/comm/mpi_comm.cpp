#include "dcopt/comm/mpi_comm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <string>
#include <thread>
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

constexpr int kNoteTag = 1;

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
    check(MPI_Comm_dup(comm_, &notes_), "MPI_Comm_dup");
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  } catch (...) {
    if (notes_ != MPI_COMM_NULL) MPI_Comm_free(&notes_);
    MPI_Comm_free(&comm_);
    throw;
  }
  noted_.assign(static_cast<std::size_t>(size_), 0);
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
    drain_notes();  // notes of collectives that completed after all
    MPI_Comm_free(&notes_);
    MPI_Comm_free(&comm_);
  }
}

template <class Blocking, class Start>
void MpiComm::call(const char* what, Blocking&& blocking, Start&& start) {
  if (collective_timeout() == 0) {
    check(blocking(), what);
    return;
  }
  MPI_Request request = MPI_REQUEST_NULL;
  check(start(&request), what);
  wait_for(request, what);
}

void MpiComm::drain_notes() {
  for (;;) {
    int flag = 0;
    MPI_Status status;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kNoteTag, notes_, &flag, &status) != MPI_SUCCESS || !flag) {
      return;
    }
    std::uint64_t c = 0;
    if (MPI_Recv(&c, 1, MPI_UINT64_T, status.MPI_SOURCE, kNoteTag, notes_, MPI_STATUS_IGNORE) !=
        MPI_SUCCESS) {
      return;
    }
    auto& noted = noted_[static_cast<std::size_t>(status.MPI_SOURCE)];
    noted = std::max(noted, c);
  }
}

void MpiComm::wait_for(MPI_Request& request, const char* what) {
  using Clock = std::chrono::steady_clock;
  const auto timeout = std::chrono::duration<double>(collective_timeout());
  const auto note_after = std::min(std::chrono::duration<double>(1.0), timeout / 4);
  const auto grace = std::chrono::duration<double>(0.5);
  bool noted = false;
  Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  for (;;) {
    int done = 0;
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), what);
    if (done) return;
    const Clock::time_point now = Clock::now();
    // A long gap between two polls means that this rank itself was stopped (SIGSTOP, then
    // SIGCONT from mpirun before it kills the job): it must not accuse the ranks that waited
    // for it, so its wait starts again.
    if (now - last > timeout / 2) start = now;
    last = now;
    const auto waited = std::chrono::duration<double>(now - start);
    if (waited < note_after) continue;  // the fast path: MPI_Test and the clock only
    if (!noted) {
      // Tell every other rank that we are here; ranks that time out name those that did not.
      note_buffer_ = collectives_;
      for (int r = 0; r < size_; ++r) {
        if (r == rank_) continue;
        MPI_Request note = MPI_REQUEST_NULL;
        if (MPI_Isend(&note_buffer_, 1, MPI_UINT64_T, r, kNoteTag, notes_, &note) == MPI_SUCCESS) {
          MPI_Request_free(&note);
        }
      }
      noted = true;
    }
    drain_notes();
    if (waited >= timeout + grace) break;
    // A long wait: do not take a whole core from the ranks we wait for.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  std::vector<int> missing;
  for (int r = 0; r < size_; ++r) {
    if (r != rank_ && noted_[static_cast<std::size_t>(r)] != collectives_) missing.push_back(r);
  }
  std::string list;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    list += fmt::format("{}{}", i == 0 ? "" : ", ", missing[i]);
  }
  throw CommError(fmt::format(
      "collective #{} ({}) timed out: rank {} waited {:g} s (collective timeout) but rank{} {} "
      "did not arrive",
      collectives_, what, rank_, collective_timeout(), missing.size() == 1 ? "" : "s",
      missing.empty() ? std::string("(none known: they noted nothing)") : list));
}

void MpiComm::barrier() {
  ++collectives_;
  call(
      "MPI_Barrier", [&] { return MPI_Barrier(comm_); },
      [&](MPI_Request* r) { return MPI_Ibarrier(comm_, r); });
}

void MpiComm::allgather_sizes(std::uint64_t mine) {
  call(
      "MPI_Allgather (sizes)",
      [&] { return MPI_Allgather(&mine, 1, MPI_UINT64_T, sizes_.data(), 1, MPI_UINT64_T, comm_); },
      [&](MPI_Request* r) {
        return MPI_Iallgather(&mine, 1, MPI_UINT64_T, sizes_.data(), 1, MPI_UINT64_T, comm_, r);
      });
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

std::uint64_t MpiComm::allgather_flat(std::span<const std::uint8_t> mine) {
  allgather_sizes(mine.size());
  const std::uint64_t total = layout_from_sizes("allgather", "allgather (total of all ranks)");
  flat_.resize(total);
  const int count = counts_[static_cast<std::size_t>(rank_)];
  call(
      "MPI_Allgatherv",
      [&] {
        return MPI_Allgatherv(mine.data(), count, MPI_BYTE, flat_.data(), counts_.data(),
                              displs_.data(), MPI_BYTE, comm_);
      },
      [&](MPI_Request* r) {
        return MPI_Iallgatherv(mine.data(), count, MPI_BYTE, flat_.data(), counts_.data(),
                               displs_.data(), MPI_BYTE, comm_, r);
      });
  meter_.record(mine.size() * static_cast<std::uint64_t>(size_ - 1), total - mine.size());
  return total;
}

void MpiComm::allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) {
  ++collectives_;
  allgather_flat(mine);
  out.resize(static_cast<std::size_t>(size_));
  for (std::size_t r = 0; r < out.size(); ++r) {
    auto begin = flat_.begin() + displs_[r];
    out[r].assign(begin, begin + counts_[r]);
  }
}

namespace {

/// The ranks' parts of an allgathered flat buffer.
class FlatMessages final : public MessageSet {
 public:
  FlatMessages(const Bytes& flat, const std::vector<int>& counts, const std::vector<int>& displs)
      : flat_(flat), counts_(counts), displs_(displs) {}
  int size() const override { return static_cast<int>(counts_.size()); }
  std::span<const std::uint8_t> operator[](int rank) const override {
    const auto r = static_cast<std::size_t>(rank);
    return std::span<const std::uint8_t>(flat_.data() + displs_[r],
                                         static_cast<std::size_t>(counts_[r]));
  }

 private:
  const Bytes& flat_;
  const std::vector<int>& counts_;
  const std::vector<int>& displs_;
};

}  // namespace

template <class T>
void MpiComm::combine(std::span<const std::uint8_t> mine, std::span<T> out, CombineRef<T> f) {
  ++collectives_;
  allgather_flat(mine);
  f(FlatMessages(flat_, counts_, displs_), out);
}

void MpiComm::allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                                CombineRef<double> f) {
  combine(mine, out, f);
}

void MpiComm::allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                                CombineRef<float> f) {
  combine(mine, out, f);
}

void MpiComm::broadcast(Bytes& bytes, int root) {
  check_root(root, "broadcast");
  ++collectives_;
  std::uint64_t n = bytes.size();
  call(
      "MPI_Bcast (size)", [&] { return MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_); },
      [&](MPI_Request* r) { return MPI_Ibcast(&n, 1, MPI_UINT64_T, root, comm_, r); });
  const int count = detail::to_mpi_count(n, "broadcast");
  bytes.resize(n);
  if (count > 0) {
    call(
        "MPI_Bcast", [&] { return MPI_Bcast(bytes.data(), count, MPI_BYTE, root, comm_); },
        [&](MPI_Request* r) { return MPI_Ibcast(bytes.data(), count, MPI_BYTE, root, comm_, r); });
  }
  if (rank_ == root) {
    meter_.record(n * static_cast<std::uint64_t>(size_ - 1), 0);
  } else {
    meter_.record(0, n);
  }
}

void MpiComm::gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) {
  check_root(root, "gather");
  ++collectives_;
  allgather_sizes(mine.size());
  const std::uint64_t total = layout_from_sizes("gather", "gather (total of all ranks)");
  const bool is_root = rank_ == root;
  if (is_root) flat_.resize(total);
  const int count = counts_[static_cast<std::size_t>(rank_)];
  std::uint8_t* const into = is_root ? flat_.data() : nullptr;
  call(
      "MPI_Gatherv",
      [&] {
        return MPI_Gatherv(mine.data(), count, MPI_BYTE, into, counts_.data(), displs_.data(),
                           MPI_BYTE, root, comm_);
      },
      [&](MPI_Request* r) {
        return MPI_Igatherv(mine.data(), count, MPI_BYTE, into, counts_.data(), displs_.data(),
                            MPI_BYTE, root, comm_, r);
      });
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
  ++collectives_;
  const std::uint64_t words[4] = {call.count, call.elem_bytes, call.mode, call.gather_limit};
  this->call(
      "MPI_Allgather (allreduce_sum call)",
      [&] { return MPI_Allgather(words, 4, MPI_UINT64_T, calls_.data(), 4, MPI_UINT64_T, comm_); },
      [&](MPI_Request* r) {
        return MPI_Iallgather(words, 4, MPI_UINT64_T, calls_.data(), 4, MPI_UINT64_T, comm_, r);
      });
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
    this->call(
        "MPI_Allreduce",
        [&] { return MPI_Allreduce(MPI_IN_PLACE, values.data(), count, type, MPI_SUM, comm_); },
        [&](MPI_Request* r) {
          return MPI_Iallreduce(MPI_IN_PLACE, values.data(), count, type, MPI_SUM, comm_, r);
        });
  } else if (!plan.chunked) {
    std::vector<T>& all = scratch<T>();
    detail::to_mpi_count(d * n, "allreduce_sum (total of all ranks)");
    all.resize(d * n);
    this->call(
        "MPI_Allgather (allreduce_sum)",
        [&] { return MPI_Allgather(values.data(), count, type, all.data(), count, type, comm_); },
        [&](MPI_Request* r) {
          return MPI_Iallgather(values.data(), count, type, all.data(), count, type, comm_, r);
        });
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
    this->call(
        "MPI_Alltoallv (allreduce_sum)",
        [&] {
          return MPI_Alltoallv(values.data(), counts_.data(), displs_.data(), type, pieces.data(),
                               recv_counts_.data(), recv_displs_.data(), type, comm_);
        },
        [&](MPI_Request* r) {
          return MPI_Ialltoallv(values.data(), counts_.data(), displs_.data(), type, pieces.data(),
                                recv_counts_.data(), recv_displs_.data(), type, comm_, r);
        });
    detail::sum_in_rank_order(values.data() + plan.chunk_begin, mine, size_, [&](int p) {
      return pieces.data() + static_cast<std::size_t>(p) * mine;
    });
    this->call(
        "MPI_Allgatherv (allreduce_sum)",
        [&] {
          return MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, values.data(), counts_.data(),
                                displs_.data(), type, comm_);
        },
        [&](MPI_Request* r) {
          return MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, values.data(), counts_.data(),
                                 displs_.data(), type, comm_, r);
        });
  }
  meter_.record(plan.metered_bytes, plan.metered_bytes);
}

}  // namespace dcopt

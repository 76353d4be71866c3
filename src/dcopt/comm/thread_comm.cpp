#include "dcopt/comm/thread_comm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

#include "dcopt/comm/allreduce_plan.hpp"
#include "dcopt/core/error.hpp"

namespace dcopt {

namespace {

enum class Op : std::uint8_t {
  barrier,
  allgather,
  broadcast,
  gather,
  allreduce_sum,
  allreduce_done,  ///< the second exchange of a chunked allreduce_sum
};

const char* op_name(Op op) {
  switch (op) {
    case Op::barrier: return "barrier";
    case Op::allgather: return "allgather";
    case Op::broadcast: return "broadcast";
    case Op::gather: return "gather";
    case Op::allreduce_sum: return "allreduce_sum";
    case Op::allreduce_done: return "allreduce_sum (completion)";
  }
  return "?";
}

/// What one rank published for one collective. Buffers keep their capacity from call to call,
/// so publishing does not allocate in a steady-state run; allgather still allocates the vector
/// of copies it returns, on every call.
struct alignas(64) Slot {
  Op op = Op::barrier;
  int root = 0;
  Bytes bytes;
  // allreduce_sum: what the call was, and either a copy of the values (allgather realization) or
  // the caller's buffer itself (chunked realization, which reads and writes it in place).
  detail::AllreduceCall call;
  void* data = nullptr;
  std::vector<float> f32;
  std::vector<double> f64;
};

/// The slot's copy buffer for element type T (Slot or const Slot).
template <class T, class S>
auto& copies(S& s) {
  if constexpr (std::is_same_v<T, float>) {
    return s.f32;
  } else {
    return s.f64;
  }
}

std::string describe(const Slot& s) {
  switch (s.op) {
    case Op::broadcast:
    case Op::gather: return fmt::format("{}(root={})", op_name(s.op), s.root);
    case Op::allreduce_sum: return "allreduce_sum of " + detail::describe(s.call);
    default: return op_name(s.op);
  }
}

std::string exception_message(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception (not derived from std::exception)";
  }
}

}  // namespace

/// The state the workers of one run_threads() call share: a generation-counted barrier and two
/// sets of slots. Collective number c (0-based, the same on every rank) uses slots[c % 2]: a rank
/// can only write slots[c % 2] again in collective c + 2, which it can only enter after every
/// rank arrived at collective c + 1, i.e. after every rank finished reading collective c. So one
/// barrier per collective suffices and readers need no lock.
///
/// The barrier takes no lock on the way through: a rank publishes its slot, counts itself in with
/// one atomic increment, and the last rank in bumps a 32-bit futex word that the others wait on
/// (std::atomic::wait). A woken rank only re-reads that word, so waking n - 1 sleepers does not
/// make them queue on a mutex one after another (what a condition variable's wait does), which
/// with many threads on few cores cost more than the collective. The mutex only guards the
/// failure state.
class ThreadShared {
 public:
  explicit ThreadShared(int n)
      : n_(n),
        // Yielding before sleeping pays off only while the ranks we wait for have cores to run
        // on; with more ranks than cores the yields mostly hand the core to other waiters (or to
        // other processes), so then a waiting rank sleeps at once.
        spins_(static_cast<unsigned>(n) <= std::max(1u, std::thread::hardware_concurrency()) ? 64
                                                                                             : 0) {
    for (auto& s : slots_) s.resize(static_cast<std::size_t>(n));
  }

  int size() const { return n_; }

  /// Publishes this rank's contribution (written by `fill` into its slot) and waits until every
  /// rank has published. Returns all ranks' slots of this collective, valid until this rank
  /// enters its next collective. Throws CommError if the run failed, or if the ranks disagree on
  /// the collective (then every rank throws the same error).
  template <class Fill>
  std::span<const Slot> exchange(int rank, Op op, int root, Fill&& fill) {
    // A rank enters collective #gen + 1 only after #gen completed, so the word it reads here
    // names this collective (or says that the run failed).
    const std::uint32_t word = word_.load(std::memory_order_acquire);
    if (word & kFailed) throw CommError(failure());
    const std::uint64_t gen = generation_.load(std::memory_order_relaxed);
    std::vector<Slot>& slots = slots_[gen % 2];
    Slot& mine = slots[static_cast<std::size_t>(rank)];
    mine.op = op;
    mine.root = root;
    fill(mine);
    // The increments form one release sequence, so the last rank in sees every slot; the ranks
    // that wait see them through its release of word_.
    if (arrived_.fetch_add(1, std::memory_order_seq_cst) + 1 == n_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.store(gen + 1, std::memory_order_relaxed);
      std::uint32_t w = word_.load(std::memory_order_relaxed);
      while (!word_.compare_exchange_weak(w, (w & kFailed) | ((w + 1) & kGenMask),
                                          std::memory_order_release, std::memory_order_relaxed)) {
      }
      word_.notify_all();
    } else {
      // Paired with worker_returned(): one of the two sees the other (both seq_cst), so a rank
      // waiting for a worker that already returned is always released.
      const int finished = finished_rank_.load(std::memory_order_seq_cst);
      if (finished >= 0) {
        fail(
            fmt::format("worker {} entered collective #{} ({}) but worker {} already "
                        "returned from its body",
                        rank, gen + 1, op_name(op), finished));
      }
      // Yield a few times before sleeping: at small payloads a futex sleep and wake-up costs
      // more than the whole collective, and yielding hands the core to the ranks we wait for.
      // Bounded, so a rank waiting for a long computation does not burn CPU.
      std::uint32_t now = word_.load(std::memory_order_acquire);
      for (unsigned spin = 0; spin < spins_ && now == word; ++spin) {
        std::this_thread::yield();
        now = word_.load(std::memory_order_acquire);
      }
      while (now == word) {
        word_.wait(word, std::memory_order_acquire);
        now = word_.load(std::memory_order_acquire);
      }
      // A completed collective stays valid even if a failure came right after: the next call
      // reports it.
      if (((now ^ word) & kGenMask) == 0) throw CommError(failure());
    }
    check_agreement(slots, gen);
    return slots;
  }

  /// A worker's body threw. The first exception of the run is the one run_threads rethrows;
  /// the first failure message is what every released collective reports.
  void worker_failed(int rank, std::exception_ptr error) {
    std::string message = exception_message(error);
    {
      std::lock_guard lock(mutex_);
      if (!first_error_) first_error_ = std::move(error);
    }
    fail(fmt::format("worker {} failed: {}", rank, message));
  }

  /// A worker's body returned. Anyone waiting for it now would wait forever.
  void worker_returned(int rank) {
    int none = -1;
    finished_rank_.compare_exchange_strong(none, rank, std::memory_order_seq_cst);
    if (arrived_.load(std::memory_order_seq_cst) > 0) {
      fail(
          fmt::format("worker {} returned from its body while other workers wait in "
                      "collective #{}",
                      rank, generation_.load(std::memory_order_relaxed) + 1));
    }
  }

  /// Releases everyone (used when the run cannot even start all its threads).
  void abort(const std::string& why) { fail(why); }

  /// Called after all threads were joined.
  void rethrow_first_error() const {
    if (first_error_) std::rethrow_exception(first_error_);
  }

 private:
  static constexpr std::uint32_t kFailed = 0x80000000u;  ///< in word_: the run failed
  static constexpr std::uint32_t kGenMask = ~kFailed;    ///< in word_: generation mod 2^31

  /// The first failure wins; every waiting rank is woken and throws it.
  void fail(std::string message) {
    std::lock_guard lock(mutex_);
    if (word_.load(std::memory_order_relaxed) & kFailed) return;
    failure_ = std::move(message);
    word_.fetch_or(kFailed, std::memory_order_release);
    word_.notify_all();
  }

  std::string failure() {
    std::lock_guard lock(mutex_);
    return failure_;
  }

  /// Every rank runs this on the same slots, so either all ranks throw the same error or none.
  void check_agreement(const std::vector<Slot>& slots, std::uint64_t gen) const {
    const Slot& first = slots[0];
    bool same = true;
    for (const Slot& s : slots) {
      same = same && s.op == first.op;
      if (!same) break;
      if (s.op == Op::broadcast || s.op == Op::gather) same = s.root == first.root;
      if (s.op == Op::allreduce_sum) same = s.call == first.call;
    }
    if (same && (first.op == Op::broadcast || first.op == Op::gather) &&
        (first.root < 0 || first.root >= n_)) {
      throw CommError(fmt::format("collective #{}: {} root {} is not a rank (valid: 0..{})",
                                  gen + 1, op_name(first.op), first.root, n_ - 1));
    }
    if (same) return;
    std::string what;
    for (int r = 0; r < n_; ++r) {
      if (r == 16 && n_ > 17) {
        what += fmt::format(", ... ({} more ranks)", n_ - r);
        break;
      }
      what += fmt::format("{}rank {}: {}", r == 0 ? "" : ", ", r,
                          describe(slots[static_cast<std::size_t>(r)]));
    }
    throw CommError(
        fmt::format("collective #{}: ranks called different collectives: {}", gen + 1, what));
  }

  const int n_;
  const unsigned spins_;                       ///< yields before sleeping
  std::atomic<std::uint32_t> word_ = 0;        ///< kFailed | completed collectives mod 2^31
  std::atomic<std::uint64_t> generation_ = 0;  ///< completed collectives (for slots, messages)
  std::atomic<int> arrived_ = 0;               ///< ranks in collective #generation_+1
  std::atomic<int> finished_rank_ = -1;        ///< first rank whose body returned normally
  std::mutex mutex_;                           ///< guards failure_ and first_error_
  std::string failure_;
  std::exception_ptr first_error_;
  std::vector<Slot> slots_[2];
};

ThreadComm::ThreadComm(ThreadShared& shared, int rank) : shared_(shared), rank_(rank) {}

int ThreadComm::size() const { return shared_.size(); }

void ThreadComm::barrier() {
  shared_.exchange(rank_, Op::barrier, 0, [](Slot&) {});
}

void ThreadComm::allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) {
  auto slots = shared_.exchange(rank_, Op::allgather, 0,
                                [&](Slot& s) { s.bytes.assign(mine.begin(), mine.end()); });
  out.resize(slots.size());
  std::uint64_t received = 0;
  for (std::size_t r = 0; r < slots.size(); ++r) {
    out[r].assign(slots[r].bytes.begin(), slots[r].bytes.end());
    received += slots[r].bytes.size();
  }
  received -= mine.size();
  meter_.record(mine.size() * static_cast<std::uint64_t>(size() - 1), received);
}

void ThreadComm::broadcast(Bytes& bytes, int root) {
  auto slots = shared_.exchange(rank_, Op::broadcast, root, [&](Slot& s) {
    if (rank_ == root) s.bytes.assign(bytes.begin(), bytes.end());
  });
  if (rank_ == root) {
    meter_.record(bytes.size() * static_cast<std::uint64_t>(size() - 1), 0);
  } else {
    const Bytes& from = slots[static_cast<std::size_t>(root)].bytes;
    bytes.assign(from.begin(), from.end());
    meter_.record(0, bytes.size());
  }
}

void ThreadComm::gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) {
  auto slots = shared_.exchange(rank_, Op::gather, root,
                                [&](Slot& s) { s.bytes.assign(mine.begin(), mine.end()); });
  if (rank_ != root) {
    out.clear();
    meter_.record(mine.size(), 0);
    return;
  }
  out.resize(slots.size());
  std::uint64_t received = 0;
  for (std::size_t r = 0; r < slots.size(); ++r) {
    out[r].assign(slots[r].bytes.begin(), slots[r].bytes.end());
    received += slots[r].bytes.size();
  }
  meter_.record(0, received - mine.size());
}

void ThreadComm::allreduce_sum(std::span<float> values) { allreduce(values); }

void ThreadComm::allreduce_sum(std::span<double> values) { allreduce(values); }

template <class T>
void ThreadComm::allreduce(std::span<T> values) {
  // ReduceMode::native has no faster order-free variant here: both modes run this code.
  const detail::AllreduceCall call = detail::allreduce_call<T>(*this, values.size());
  const int n = size();
  const detail::AllreducePlan plan = detail::plan_allreduce(call, n, rank_);
  auto slots = shared_.exchange(rank_, Op::allreduce_sum, 0, [&](Slot& s) {
    s.call = call;
    // Small vectors: publish a copy, so that one exchange suffices (each rank sums all copies
    // while the others may already overwrite their own buffers).
    if (!plan.chunked && n > 1) copies<T>(s).assign(values.begin(), values.end());
    s.data = values.data();
  });
  if (!plan.chunked) {
    if (n > 1) {
      detail::sum_in_rank_order(values.data(), values.size(), n, [&](int p) {
        return copies<T>(slots[static_cast<std::size_t>(p)]).data();
      });
    }
  } else {
    // Element i of chunk r is read and written by rank r only, in every rank's buffer: rank r
    // sums it into rank 0's buffer (which rank 0 no longer reads there) and copies the sum into
    // the others'. No copy of the inputs is made. Block by block, so the sum is copied while it
    // is still in cache.
    constexpr std::size_t kBlock = 16384 / sizeof(T);
    T* acc = static_cast<T*>(slots[0].data);
    const std::size_t end = plan.chunk_begin + plan.chunk_size;
    for (std::size_t b = plan.chunk_begin; b < end; b += kBlock) {
      const std::size_t len = std::min(kBlock, end - b);
      detail::sum_in_rank_order(acc + b, len, n, [&](int p) {
        return static_cast<const T*>(slots[static_cast<std::size_t>(p)].data) + b;
      });
      for (int q = 1; q < n; ++q) {
        std::copy(acc + b, acc + b + len,
                  static_cast<T*>(slots[static_cast<std::size_t>(q)].data) + b);
      }
    }
    // Our buffer is complete once every rank has written its chunk into it. This exchange cannot
    // fail at entry: a failure needs a worker that threw or returned, and every worker is between
    // the two exchanges of this call, in code that does not throw; so no rank leaves early while
    // others still write into its buffer.
    shared_.exchange(rank_, Op::allreduce_done, 0, [](Slot&) {});
  }
  meter_.record(plan.metered_bytes, plan.metered_bytes);
}

void run_threads(int n, const std::function<void(Communicator&)>& body) {
  if (n < 1) {
    throw InvalidArgument(fmt::format("run_threads: number of workers must be >= 1, got {}", n));
  }
  ThreadShared shared(n);
  auto work = [&](int rank) {
    try {
      ThreadComm comm(shared, rank);
      body(comm);
      shared.worker_returned(rank);
    } catch (...) {
      shared.worker_failed(rank, std::current_exception());
    }
  };
  {
    std::vector<std::jthread> threads;  // joined when this block ends, also on exceptions
    threads.reserve(static_cast<std::size_t>(n - 1));
    try {
      for (int r = 1; r < n; ++r) threads.emplace_back(work, r);
    } catch (const std::exception& e) {
      // The started workers may be waiting for the ones that never started.
      shared.abort(fmt::format("run_threads: could not start worker threads: {}", e.what()));
      throw;
    }
    // Rank 0 runs on the calling thread: one thread fewer, and n = 1 starts no thread at all.
    work(0);
  }
  shared.rethrow_first_error();
}

}  // namespace dcopt

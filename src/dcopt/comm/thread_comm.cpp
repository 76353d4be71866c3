#include "dcopt/comm/thread_comm.hpp"

#include <fmt/format.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <memory>
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

// The futex calls behind the barrier's sleep. std::atomic::wait has no timeout (C++20), so the
// barrier calls the kernel itself: FUTEX_WAIT with a relative timeout, FUTEX_WAKE for everyone.
// Private futexes: the word is shared by threads of this process only.
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

std::uint32_t* futex_word(std::atomic<std::uint32_t>& w) {
  return reinterpret_cast<std::uint32_t*>(&w);
}

/// Sleeps while `w` holds `expected`, at most `timeout` (nullptr: no limit). Returns false if the
/// time ran out; may return early (a wake-up, a signal, `w` already changed).
bool futex_wait(std::atomic<std::uint32_t>& w, std::uint32_t expected, const timespec* timeout) {
  const long r =
      ::syscall(SYS_futex, futex_word(w), FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
  return !(r == -1 && errno == ETIMEDOUT);
}

void futex_wake_all(std::atomic<std::uint32_t>& w) {
  ::syscall(SYS_futex, futex_word(w), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

timespec to_timespec(std::chrono::nanoseconds d) {
  const auto ns = std::max<std::int64_t>(d.count(), 0);
  return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

/// Rank r's count of the collectives it entered, on a cache line of its own (each rank writes
/// its own on every collective; a rank whose collective timed out reads them all).
struct alignas(64) EnteredCount {
  std::atomic<std::uint64_t> value = 0;
};

std::string rank_list(const std::vector<int>& ranks) {
  std::string s;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    if (i == 16 && ranks.size() > 17) {
      s += fmt::format(", ... ({} more)", ranks.size() - i);
      break;
    }
    s += fmt::format("{}{}", i == 0 ? "" : ", ", ranks[i]);
  }
  return s;
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
/// one atomic increment, and the last rank in bumps a 32-bit futex word that the others wait on.
/// A woken rank only re-reads that word, so waking n - 1 sleepers does not make them queue on a
/// mutex one after another (what a condition variable's wait does), which with many threads on
/// few cores cost more than the collective. The last rank in calls the kernel to wake sleepers
/// only if some rank sleeps (sleepers_), so a collective whose ranks all arrive while the others
/// still yield makes no system call. The mutex only guards the failure state.
///
/// Collective timeout: a rank that has to sleep sleeps at most its communicator's
/// collective_timeout(); when that runs out it fails the run with a message naming the ranks that
/// have not entered the collective (entered_), which releases every waiting rank.
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

  /// True once a collective timed out (run_threads then does not wait forever for a hung worker).
  bool timed_out() const { return timed_out_.load(std::memory_order_acquire); }

  int size() const { return n_; }

  /// Publishes this rank's contribution (written by `fill` into its slot) and waits until every
  /// rank has published. Returns all ranks' slots of this collective, valid until this rank
  /// enters its next collective. Throws CommError if the run failed, or if the ranks disagree on
  /// the collective (then every rank throws the same error).
  /// `timeout_s` > 0: wait at most that long for the others (see the class comment).
  ///
  /// Op::allreduce_done is different: it neither fails nor times out, it waits until every rank
  /// arrived, because the other ranks may still write into this rank's buffer until then (every
  /// rank is between the two exchanges of a chunked allreduce_sum, in code that does not throw,
  /// so every rank arrives).
  template <class Fill>
  std::span<const Slot> exchange(int rank, double timeout_s, Op op, int root, Fill&& fill) {
    // A rank enters collective #gen + 1 only after #gen completed, so the word it reads here
    // names this collective (or says that the run failed).
    const bool completing = op == Op::allreduce_done;
    const std::uint32_t word = word_.load(std::memory_order_acquire);
    if ((word & kFailed) && !completing) throw CommError(failure());
    const std::uint64_t gen = generation_.load(std::memory_order_relaxed);
    std::vector<Slot>& slots = slots_[gen % 2];
    Slot& mine = slots[static_cast<std::size_t>(rank)];
    mine.op = op;
    mine.root = root;
    fill(mine);
    entered_[static_cast<std::size_t>(rank)].value.store(gen + 1, std::memory_order_relaxed);
    // The increments form one release sequence, so the last rank in sees every slot; the ranks
    // that wait see them through its release of word_.
    if (arrived_.fetch_add(1, std::memory_order_seq_cst) + 1 == n_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.store(gen + 1, std::memory_order_relaxed);
      std::uint32_t w = word_.load(std::memory_order_relaxed);
      // seq_cst, paired with sleep(): either we see its sleepers_ increment, or its futex call
      // sees the new word.
      while (!word_.compare_exchange_weak(w, (w & kFailed) | ((w + 1) & kGenMask),
                                          std::memory_order_seq_cst, std::memory_order_relaxed)) {
      }
      if (sleepers_.load(std::memory_order_seq_cst) > 0) futex_wake_all(word_);
    } else if (completing) {
      std::uint32_t now = word_.load(std::memory_order_acquire);
      for (unsigned spin = 0; spin < spins_ && ((now ^ word) & kGenMask) == 0; ++spin) {
        std::this_thread::yield();
        now = word_.load(std::memory_order_acquire);
      }
      if (((now ^ word) & kGenMask) == 0) {
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        now = word_.load(std::memory_order_acquire);
        while (((now ^ word) & kGenMask) == 0) {
          futex_wait(word_, now, nullptr);
          now = word_.load(std::memory_order_acquire);
        }
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
      }
      return slots;
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
      if (now == word) now = sleep(word, rank, gen, op, timeout_s);
      // A completed collective stays valid even if a failure came right after: the next call
      // reports it.
      if (((now ^ word) & kGenMask) == 0) throw CommError(failure());
    }
    check_agreement(slots, gen);
    return slots;
  }

  /// Sleeps until word_ differs from `word`; with a timeout, fails the run when it runs out.
  /// Returns the new word.
  std::uint32_t sleep(std::uint32_t word, int rank, std::uint64_t gen, Op op, double timeout_s) {
    using Clock = std::chrono::steady_clock;
    const bool limited = timeout_s > 0;
    const Clock::time_point deadline =
        limited ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(timeout_s))
                : Clock::time_point::max();
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    std::uint32_t now = word_.load(std::memory_order_acquire);
    while (now == word) {
      if (!limited) {
        futex_wait(word_, word, nullptr);
      } else {
        const Clock::duration left = deadline - Clock::now();
        const timespec ts = to_timespec(left);
        if (left <= Clock::duration::zero() || !futex_wait(word_, word, &ts)) {
          now = word_.load(std::memory_order_acquire);
          if (now != word) break;
          timed_out(rank, gen, op, timeout_s);
        }
      }
      now = word_.load(std::memory_order_acquire);
    }
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return now;
  }

  /// Rank `rank` waited `timeout_s` in collective #gen + 1: fail the run naming who is missing.
  void timed_out(int rank, std::uint64_t gen, Op op, double timeout_s) {
    std::vector<int> missing;
    for (int r = 0; r < n_; ++r) {
      if (entered_[static_cast<std::size_t>(r)].value.load(std::memory_order_relaxed) != gen + 1) {
        missing.push_back(r);
      }
    }
    {
      std::lock_guard lock(mutex_);
      if (timeout_s_ == 0) timeout_s_ = timeout_s;
    }
    timed_out_.store(true, std::memory_order_release);
    fail(fmt::format(
        "collective #{} ({}) timed out: worker {} waited {:g} s (collective timeout) but "
        "worker{} {} did not arrive",
        gen + 1, op_name(op), rank, timeout_s, missing.size() == 1 ? "" : "s",
        missing.empty() ? std::string("(none: they arrived just now)") : rank_list(missing)));
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

  /// Worker `rank`'s body ended (returned or threw).
  void worker_done(int rank) {
    {
      std::lock_guard lock(mutex_);
      done_.at(static_cast<std::size_t>(rank)) = true;
    }
    done_changed_.notify_all();
  }

  /// After a collective timed out, a hung worker may never end, and joining it would hang the
  /// process. A failing worker calls this: it waits up to a grace period (the timeout, between
  /// 1 and 10 s) for every worker to end; if some never do, it reports them with the failure on
  /// stderr and ends the process with _exit(1) (their threads cannot be stopped, and they use
  /// the caller's state, so the process cannot go on without them).
  void end_process_if_hung() {
    if (!timed_out()) return;
    std::unique_lock lock(mutex_);
    const double grace = std::clamp(timeout_s_, 1.0, 10.0);
    const bool all = done_changed_.wait_for(lock, std::chrono::duration<double>(grace), [&] {
      return std::all_of(done_.begin(), done_.end(), [](bool d) { return d; });
    });
    if (all) return;
    std::vector<int> hung;
    for (int r = 0; r < n_; ++r) {
      if (!done_[static_cast<std::size_t>(r)]) hung.push_back(r);
    }
    std::fprintf(stderr,
                 "dcopt: error: %s; worker%s %s still did not respond %g s later: ending the "
                 "process\n",
                 failure_.c_str(), hung.size() == 1 ? "" : "s", rank_list(hung).c_str(), grace);
    std::fflush(stderr);
    ::_exit(1);
  }

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
    word_.fetch_or(kFailed, std::memory_order_seq_cst);
    futex_wake_all(word_);  // rare: no need to check for sleepers
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
  std::atomic<int> sleepers_ = 0;              ///< ranks in (or about to enter) futex_wait
  std::atomic<bool> timed_out_ = false;        ///< a collective timed out
  std::unique_ptr<EnteredCount[]> entered_ = std::make_unique<EnteredCount[]>(
      static_cast<std::size_t>(n_));  ///< per rank: collectives entered
  std::mutex mutex_;                  ///< guards failure_ and first_error_
  std::string failure_;
  std::exception_ptr first_error_;
  double timeout_s_ = 0;  ///< the first collective timeout that ran out
  std::vector<bool> done_ = std::vector<bool>(static_cast<std::size_t>(n_));  ///< bodies ended
  std::condition_variable done_changed_;
  std::vector<Slot> slots_[2];
};

ThreadComm::ThreadComm(ThreadShared& shared, int rank) : shared_(shared), rank_(rank) {}

int ThreadComm::size() const { return shared_.size(); }

void ThreadComm::barrier() {
  shared_.exchange(rank_, collective_timeout(), Op::barrier, 0, [](Slot&) {});
}

void ThreadComm::allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) {
  auto slots = shared_.exchange(rank_, collective_timeout(), Op::allgather, 0,
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
  auto slots = shared_.exchange(rank_, collective_timeout(), Op::broadcast, root, [&](Slot& s) {
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
  auto slots = shared_.exchange(rank_, collective_timeout(), Op::gather, root,
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
  auto slots = shared_.exchange(rank_, collective_timeout(), Op::allreduce_sum, 0, [&](Slot& s) {
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
    // Our buffer is complete once every rank has written its chunk into it. This exchange does
    // not fail or time out (see exchange()): no rank leaves early while others still write into
    // its buffer, even if a timeout of another rank failed the run in the meantime.
    shared_.exchange(rank_, collective_timeout(), Op::allreduce_done, 0, [](Slot&) {});
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
    shared.worker_done(rank);
    shared.end_process_if_hung();
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

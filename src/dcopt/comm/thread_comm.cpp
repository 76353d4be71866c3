#include "dcopt/comm/thread_comm.hpp"

#include <fmt/format.h>
#include <linux/futex.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#endif
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
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
  allgather_combine,
};

/// The second exchange of a two-exchange collective: it neither fails nor times out (the other
/// ranks still read or write this rank's data until it completes, in code that does not throw).
bool completing(Op op) { return op == Op::allreduce_done; }

/// What every rank must pass identically to one allgather_combine.
struct CombineCall {
  std::uint64_t count = 0;       ///< elements of the result
  std::uint64_t elem_bytes = 0;  ///< 4 (float) or 8 (double)
  friend bool operator==(const CombineCall&, const CombineCall&) = default;
};

const char* op_name(Op op) {
  switch (op) {
    case Op::barrier: return "barrier";
    case Op::allgather: return "allgather";
    case Op::broadcast: return "broadcast";
    case Op::gather: return "gather";
    case Op::allreduce_sum: return "allreduce_sum";
    case Op::allreduce_done: return "allreduce_sum (completion)";
    case Op::allgather_combine: return "allgather_combine";
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
  CombineCall combine;
  const void* combine_fn = nullptr;  ///< allgather_combine: the caller's CombineRef<T>
  bool sum_at_completion = false;    ///< allreduce_sum: summed once when the collective completes
  void* data = nullptr;
};

std::string describe(const Slot& s) {
  switch (s.op) {
    case Op::broadcast:
    case Op::gather: return fmt::format("{}(root={})", op_name(s.op), s.root);
    case Op::allreduce_sum: return "allreduce_sum of " + detail::describe(s.call);
    case Op::allgather_combine:
      return fmt::format("allgather_combine into {} fp{} values", s.combine.count,
                         s.combine.elem_bytes * 8);
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

namespace {

namespace bctx = boost::context;

/// A stack's lowest address and size.
struct StackBounds {
  const void* bottom = nullptr;
  std::size_t size = 0;
};

// AddressSanitizer must be told about every switch between stacks, or it misreads what an
// exception unwinds on a fiber's stack (false stack-buffer-overflow reports). No-ops otherwise.
// `fake` keeps the fake stack of the context being left; a context that ends passes nullptr.
#if defined(__SANITIZE_ADDRESS__)
void asan_start_switch(void** fake, const StackBounds& to) {
  __sanitizer_start_switch_fiber(fake, to.bottom, to.size);
}
void asan_finish_switch(void* fake, StackBounds* from) {
  __sanitizer_finish_switch_fiber(fake, from ? &from->bottom : nullptr,
                                  from ? &from->size : nullptr);
}
#else
void asan_start_switch(void**, const StackBounds&) {}
void asan_finish_switch(void*, StackBounds*) {}
#endif

/// protected_fixedsize_stack that also records where the stack it allocates is (for ASan).
class RecordedStack {
 public:
  RecordedStack(std::size_t size, StackBounds* bounds) : alloc_(size), bounds_(bounds) {}
  bctx::stack_context allocate() {
    bctx::stack_context sc = alloc_.allocate();
    bounds_->bottom = static_cast<const char*>(sc.sp) - sc.size;
    bounds_->size = sc.size;
    return sc;
  }
  void deallocate(bctx::stack_context& sc) noexcept {
#if defined(__SANITIZE_ADDRESS__)
    // Frames left on the stack (a fiber ends by switching away, never returning) leave their
    // redzones poisoned, and GCC's libasan keeps the shadow of an unmapped region: memory the
    // process maps there later (Python's arenas did) would then report false
    // stack-buffer-underflows. Clear the shadow before the pages go.
    __asan_unpoison_memory_region(static_cast<char*>(sc.sp) - sc.size, sc.size);
#endif
    alloc_.deallocate(sc);
  }

 private:
  bctx::protected_fixedsize_stack alloc_;
  StackBounds* bounds_;
};

/// Where a worker is (Worker::state).
enum WorkerState : int {
  kReady,      ///< queued to be resumed in the current phase (or not started yet)
  kRunning,    ///< on a pool thread
  kSuspended,  ///< in a collective, waiting for the others
  kFinished,   ///< its body ended
};

/// One worker: its fiber and what the scheduler and the watchdog need to know about it. The
/// atomics are read by other threads (the watchdog, a thread that takes the worker over).
struct alignas(64) Worker {
  bctx::fiber fiber;  ///< the suspended fiber (empty while it runs, and once it has finished)
  bctx::fiber sink;   ///< while it runs: the pool thread's context it suspends to
  StackBounds stack;  ///< its fiber's stack
  StackBounds from;   ///< while it runs: the pool thread's stack (ASan)
  std::atomic<int> state = kReady;
  std::atomic<std::uint64_t> entered = 0;  ///< collectives entered (#c of the current one)
  std::atomic<std::uint8_t> op = 0;        ///< the Op it waits in
  std::atomic<double> timeout_s = 0;       ///< its collective timeout (0: none)
};

/// The workers of one pool thread to resume in one phase (rank r is in lane r % threads: a worker
/// always runs on the same thread). Double-buffered by phase parity: the list of phase p
/// is rewritten only when phase p + 1 completes, which needs every worker of phase p to have
/// been taken and run.
struct alignas(64) Lane {
  std::atomic<std::uint64_t> claim = 0;  ///< (phase mod 2^32) << 32 | next index to take
  std::atomic<std::uint32_t> size[2] = {0, 0};
  std::vector<int> ranks[2];
};

/// A collective's slots as the MessageSet of allgather_combine (no copies).
class SlotMessages final : public MessageSet {
 public:
  explicit SlotMessages(std::span<const Slot> slots) : slots_(slots) {}
  int size() const override { return static_cast<int>(slots_.size()); }
  std::span<const std::uint8_t> operator[](int rank) const override {
    return slots_[static_cast<std::size_t>(rank)].bytes;
  }

 private:
  std::span<const Slot> slots_;
};

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

/// The state the workers of one run_threads() call share, and the scheduler that runs them.
///
/// Phases: phase 0 starts every worker; phase c (c >= 1) resumes every worker once collective #c
/// is complete. In a phase each worker runs until it enters its next collective (it publishes its
/// slot and suspends) or ends its body. The pool thread that sees the last worker of a phase come
/// back completes it: the collective is then complete (every worker entered it), and the next
/// phase's workers are queued. Collective #c uses slots[c % 2]: a worker writes slots[c % 2] again
/// only in collective #c + 2, which it enters after every worker entered #c + 1, i.e. after every
/// worker finished reading #c. So readers need no lock.
///
/// Failure: the first failure (a worker threw, returned early, a timeout) is recorded and every
/// pool thread is woken; each resumes the workers suspended in an incomplete collective ("drains"
/// them), which then throw CommError. Workers in a completing exchange (the second exchange of a
/// two-exchange collective) are not drained: they wait for it to complete, as every worker reaches
/// it.
///
/// Waiting: a pool thread with nothing to run waits for signal_ to change (a phase completed, the
/// run failed or ended); it yields a few times, then sleeps on the futex word, and only a thread
/// that sleeps costs the others a system call to wake it (sleepers_).
class ThreadShared {
 public:
  ThreadShared(int n, const std::function<void(Communicator&)>& body,
               const ThreadRunOptions& options)
      : n_(n),
        body_(body),
        per_worker_(options.thread_per_worker),
        threads_(per_worker_ ? n
                             : std::min(n, options.threads > 0
                                               ? options.threads
                                               : static_cast<int>(std::max(
                                                     1u, std::thread::hardware_concurrency())))),
        // Yielding before sleeping pays off only while the threads we wait for have cores to run
        // on; with more threads than cores the yields mostly hand the core to other waiters.
        spins_(static_cast<unsigned>(threads_) <= std::max(1u, std::thread::hardware_concurrency())
                   ? 64
                   : 0),
        // Workers taken per claim of a lane: the whole lane at once when only its own thread
        // serves it; a few at a time when other threads may take the rest (migrate).
        migrate_(options.migrate && !per_worker_),
        batch_(migrate_ ? std::clamp(n / (8 * threads_), 1, 16) : std::max(1, n / threads_)),
        workers_(std::make_unique<Worker[]>(static_cast<std::size_t>(n))),
        lanes_(std::make_unique<Lane[]>(static_cast<std::size_t>(threads_))) {
    for (auto& s : slots_) s.resize(static_cast<std::size_t>(n));
    // A worker with a thread of its own gets a thread-sized stack (torch's kernels use deep
    // stacks); the others a smaller one: thousands of them are reserved address space, and only
    // the pages a worker touches cost memory. Each has a guard page below it.
    const std::size_t stack = per_worker_ ? (8u << 20) : (512u << 10);
    for (int r = 0; r < n; ++r) {
      worker(r).fiber =
          bctx::fiber(std::allocator_arg, RecordedStack(stack, &worker(r).stack),
                      [this, r](bctx::fiber&& sink) { return fiber_main(r, std::move(sink)); });
      Lane& lane = lane_of(r);
      lane.ranks[0].push_back(r);
      lane.size[0].store(static_cast<std::uint32_t>(lane.ranks[0].size()),
                         std::memory_order_relaxed);
    }
    pending_.store(n, std::memory_order_relaxed);
  }

  int size() const { return n_; }

  /// Publishes this rank's contribution (written by `fill` into its slot) and suspends until
  /// every rank has published. Returns all ranks' slots of this collective, valid until this rank
  /// enters its next collective. Throws CommError if the run failed, or if the ranks disagree on
  /// the collective (then every rank throws the same error). `timeout_s` > 0: wait at most that
  /// long for the others (see the class comment). A completing op neither fails nor times out.
  template <class Fill>
  std::span<const Slot> exchange(int rank, double timeout_s, Op op, int root, Fill&& fill) {
    const bool last_half = completing(op);
    if (failed() && !last_half) throw CommError(failure());
    // Changes only when a phase completes, i.e. while this worker is suspended.
    const std::uint64_t gen = generation_.load(std::memory_order_relaxed);
    std::vector<Slot>& slots = slots_[gen % 2];
    Slot& mine = slots[static_cast<std::size_t>(rank)];
    mine.op = op;
    mine.root = root;
    fill(mine);
    Worker& w = worker(rank);
    w.op.store(static_cast<std::uint8_t>(op), std::memory_order_relaxed);
    w.entered.store(gen + 1, std::memory_order_relaxed);
    w.timeout_s.store(last_half ? 0 : timeout_s, std::memory_order_relaxed);
    if (timeout_s > 0 && !last_half) deadlines_.store(true, std::memory_order_relaxed);
    // Resumed either because the collective completed (the generation moved on) or because the
    // run failed and a pool thread drains the waiting workers. A completing op waits on.
    do {
      void* fake = nullptr;
      asan_start_switch(&fake, w.from);
      w.sink = std::move(w.sink).resume();
      asan_finish_switch(fake, &w.from);
    } while (generation_.load(std::memory_order_acquire) == gen && (last_half || !failed()));
    if (generation_.load(std::memory_order_acquire) == gen) throw CommError(failure());
    if (!last_half && !verdict_.empty()) throw CommError(verdict_);
    return slots;
  }

  /// Runs every worker to the end on the pool; returns once all bodies ended (or ends the
  /// process if a worker stays hung after a timeout). The calling thread is pool thread 0.
  void run() {
    std::jthread watchdog;
    if (n_ > 1) watchdog = std::jthread([this](std::stop_token stop) { watch(stop); });
    {
      std::vector<std::jthread> threads;  // joined when this block ends, also on exceptions
      threads.reserve(static_cast<std::size_t>(threads_ - 1));
      try {
        for (int t = 1; t < threads_; ++t) threads.emplace_back([this, t] { serve(t, 1); });
      } catch (const std::exception& e) {
        // The lanes of the threads that never started are served by this one.
        fail(fmt::format("run_threads: could not start worker threads: {}", e.what()));
        serve(0, threads_);
        throw;
      }
      serve(0, 1);
    }
  }

  /// Whether an allreduce_sum of this plan is summed once, when the collective completes, by
  /// the thread that completes it (reading every rank's buffer in place while all are
  /// suspended), rather than chunk by chunk by every rank in parallel: always, unless the vector
  /// is big and every rank has a thread of its own (then the parallel sums pay off; with many
  /// ranks per thread the chunks only scatter the accesses over n buffers).
  bool sums_at_completion(const detail::AllreducePlan& plan) const {
    return !plan.chunked || n_ > threads_;
  }

  /// The result of the last completed allreduce_sum summed at completion, or allgather_combine:
  /// valid until every rank has entered its next collective.
  template <class T>
  std::uint64_t take_result(std::span<T> out) const {
    if (combine_error_) std::rethrow_exception(combine_error_);
    const std::vector<T>& c = result<T>();
    std::copy(c.begin(), c.end(), out.begin());
    return combine_total_;
  }

  /// Called after the pool has ended.
  void rethrow_first_error() const {
    if (first_error_) std::rethrow_exception(first_error_);
  }

 private:
  static constexpr std::uint32_t kFailed = 0x80000000u;  ///< in signal_: the run failed

  Worker& worker(int r) { return workers_[static_cast<std::size_t>(r)]; }
  Lane& lane_of(int r) { return lanes_[static_cast<std::size_t>(r % threads_)]; }
  bool failed() const { return (signal_.load(std::memory_order_acquire) & kFailed) != 0; }

  template <class T>
  std::vector<T>& result() {
    if constexpr (std::is_same_v<T, float>) {
      return result_f32_;
    } else {
      return result_f64_;
    }
  }
  template <class T>
  const std::vector<T>& result() const {
    return const_cast<ThreadShared*>(this)->result<T>();
  }

  /// What a collective needs done once, when every rank has entered it (all are suspended):
  /// the agreement check (verdict_), the rank-order sum of an allreduce_sum, the combine of an
  /// allgather_combine. O(n) once instead of once per rank.
  void finish_collective(std::uint64_t gen) {
    const std::vector<Slot>& slots = slots_[gen % 2];
    const Slot& first = slots[0];
    if (completing(first.op)) return;  // entered only after an agreed first exchange
    verdict_ = agreement_error(slots, gen);
    if (!verdict_.empty()) return;
    if (first.op == Op::allreduce_sum && first.sum_at_completion && n_ > 1) {
      if (first.call.elem_bytes == sizeof(float)) {
        sum_slots<float>(slots);
      } else {
        sum_slots<double>(slots);
      }
    } else if (first.op == Op::allgather_combine) {
      if (first.combine.elem_bytes == sizeof(float)) {
        combine_slots<float>(slots);
      } else {
        combine_slots<double>(slots);
      }
    }
  }

  template <class T>
  void sum_slots(const std::vector<Slot>& slots) {
    std::vector<T>& out = result<T>();
    out.resize(slots[0].call.count);
    combine_error_ = nullptr;
    detail::sum_in_rank_order(out.data(), out.size(), n_, [&](int p) {
      return static_cast<const T*>(slots[static_cast<std::size_t>(p)].data);
    });
  }

  /// Rank 0's combine (every rank's computes the same) on the ranks' contributions in place.
  template <class T>
  void combine_slots(const std::vector<Slot>& slots) {
    std::vector<T>& out = result<T>();
    out.resize(slots[0].combine.count);
    combine_error_ = nullptr;
    combine_total_ = 0;
    for (const Slot& s : slots) combine_total_ += s.bytes.size();
    try {
      (*static_cast<const CombineRef<T>*>(slots[0].combine_fn))(SlotMessages(slots),
                                                                std::span<T>(out));
    } catch (...) {
      combine_error_ = std::current_exception();
    }
  }

  bctx::fiber fiber_main(int r, bctx::fiber&& sink) {
    Worker& w = worker(r);
    asan_finish_switch(nullptr, &w.from);
    w.sink = std::move(sink);
    try {
      ThreadComm comm(*this, r);
      body_(comm);
      worker_returned(r);
    } catch (const bctx::detail::forced_unwind&) {
      throw;  // a fiber being destroyed unwinds through here: not a worker failure
    } catch (...) {
      worker_failed(r, std::current_exception());
    }
    asan_start_switch(nullptr, w.from);  // this stack ends
    return std::move(w.sink);
  }

  /// Resumes worker r (kRunning, taken by this thread) until it suspends or ends. Returns true if
  /// it ended.
  bool resume(int r) {
    Worker& w = worker(r);
    void* fake = nullptr;
    asan_start_switch(&fake, w.stack);
    w.fiber = std::move(w.fiber).resume();
    asan_finish_switch(fake, nullptr);
    if (!w.fiber) {
      w.state.store(kFinished, std::memory_order_release);
      if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
        std::lock_guard lock(mutex_);
        done_changed_.notify_all();
        signal();  // the run is over: wake every pool thread so that it returns
      }
      return true;
    }
    w.state.store(kSuspended, std::memory_order_release);
    return false;
  }

  /// A pool thread's loop over lanes [first, first + count).
  void serve(int first, int count) {
    for (;;) {
      const std::uint32_t sig = signal_.load(std::memory_order_acquire);
      if (finished_.load(std::memory_order_acquire) == n_) return;
      bool ran = false;
      for (int l = first; l < first + count; ++l)
        ran = run_lane(lanes_[static_cast<std::size_t>(l)]) || ran;
      // Own lanes done: take what the other threads have not started (a descheduled thread's
      // workers run here instead of waiting for it).
      for (int l = 0; migrate_ && !ran && l < threads_; ++l) {
        if (l < first || l >= first + count) ran = run_lane(lanes_[static_cast<std::size_t>(l)]);
      }
      if (sig & kFailed) ran = drain(first, count) || ran;
      if (!ran) wait_for_change(sig);
    }
  }

  /// Takes and runs workers of the lane's current phase; returns whether it ran any.
  bool run_lane(Lane& lane) {
    bool ran = false;
    for (;;) {
      std::uint64_t c = lane.claim.load(std::memory_order_acquire);
      const auto phase = static_cast<std::uint32_t>(c >> 32);
      const auto next = static_cast<std::uint32_t>(c);
      const std::uint32_t size = lane.size[phase & 1].load(std::memory_order_acquire);
      if (next >= size) return ran;
      const std::uint32_t take =
          std::min<std::uint32_t>(static_cast<std::uint32_t>(batch_), size - next);
      if (!lane.claim.compare_exchange_weak(c, c + take, std::memory_order_acq_rel)) continue;
      const std::vector<int>& ranks = lane.ranks[phase & 1];
      for (std::uint32_t i = next; i < next + take; ++i) {
        const int r = ranks[i];
        worker(r).state.store(kRunning, std::memory_order_relaxed);
        resume(r);
      }
      ran = true;
      // The phase's last worker back completes it.
      if (pending_.fetch_sub(static_cast<int>(take), std::memory_order_acq_rel) ==
          static_cast<int>(take)) {
        complete_phase();
      }
    }
  }

  /// Every worker of the current phase has suspended in its next collective or ended.
  void complete_phase() {
    if (finished_.load(std::memory_order_acquire) > 0) {
      // Some worker ended, so a waiting one would wait forever: fail (if nothing failed yet: a
      // worker returned normally) and let the pool threads drain them.
      for (int r = 0; r < n_; ++r) {
        if (worker(r).state.load(std::memory_order_acquire) != kSuspended) continue;
        const int returned = returned_rank_.load(std::memory_order_acquire);
        fail(
            fmt::format("worker {} returned from its body while other workers wait in "
                        "collective #{}",
                        returned, worker(r).entered.load(std::memory_order_relaxed)));
        break;
      }
      return;
    }
    finish_collective(generation_.load(std::memory_order_relaxed));
    const std::uint64_t next = generation_.load(std::memory_order_relaxed) + 1;
    const std::size_t parity = next & 1;
    for (int l = 0; l < threads_; ++l) lanes_[static_cast<std::size_t>(l)].ranks[parity].clear();
    int queued = 0;
    for (int r = 0; r < n_; ++r) {
      int expected = kSuspended;
      // Fails for a worker a draining thread took over (it will end without coming back here).
      if (worker(r).state.compare_exchange_strong(expected, kReady, std::memory_order_acq_rel)) {
        lane_of(r).ranks[parity].push_back(r);
        ++queued;
      }
    }
    pending_.store(queued, std::memory_order_relaxed);
    generation_.store(next, std::memory_order_release);
    for (int l = 0; l < threads_; ++l) {
      Lane& lane = lanes_[static_cast<std::size_t>(l)];
      lane.size[parity].store(static_cast<std::uint32_t>(lane.ranks[parity].size()),
                              std::memory_order_relaxed);
      lane.claim.store((next & 0xffffffffu) << 32, std::memory_order_release);
    }
    signal();
  }

  /// After a failure: resumes the workers suspended in an incomplete collective (they throw).
  /// Under thread_per_worker only those of lanes [first, first + count), so a worker never leaves
  /// its thread; otherwise any, so that the workers sharing a thread with a hung one are released
  /// too (they unwind on this thread). Returns whether one ended.
  bool drain(int first, int count) {
    bool ended = false;
    for (int r = 0; r < n_; ++r) {
      const int lane = r % threads_;
      if (per_worker_ && (lane < first || lane >= first + count)) continue;
      Worker& w = worker(r);
      if (completing(static_cast<Op>(w.op.load(std::memory_order_relaxed)))) continue;
      int expected = kSuspended;
      if (!w.state.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) {
        continue;
      }
      ended = resume(r) || ended;
    }
    return ended;
  }

  /// Something a waiting pool thread must see happened (a phase completed, the run failed or
  /// ended): moves signal_ on and wakes the sleepers.
  void signal() {
    std::uint32_t s = signal_.load(std::memory_order_relaxed);
    // seq_cst, paired with wait_for_change(): either we see its sleepers_ increment, or its
    // futex call sees the new word.
    while (!signal_.compare_exchange_weak(s, (s & kFailed) | ((s + 1) & ~kFailed),
                                          std::memory_order_seq_cst, std::memory_order_relaxed)) {
    }
    if (sleepers_.load(std::memory_order_seq_cst) > 0) futex_wake_all(signal_);
  }

  void wait_for_change(std::uint32_t seen) {
    // Yield a few times before sleeping: at small payloads a futex sleep and wake-up costs more
    // than the whole collective. Bounded, so waiting for a long computation burns no CPU.
    for (unsigned spin = 0; spin < spins_; ++spin) {
      if (signal_.load(std::memory_order_acquire) != seen) return;
      std::this_thread::yield();
    }
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    while (signal_.load(std::memory_order_seq_cst) == seen) futex_wait(signal_, seen, nullptr);
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
  }

  /// The watchdog: fails the run when a waiting worker's collective timeout ran out, and ends
  /// the process if a worker stays hung after that (see thread_comm.hpp).
  void watch(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
      done_changed_.wait_for(lock, std::chrono::milliseconds(10));
      if (finished_.load(std::memory_order_acquire) == n_) return;
      if (!deadlines_.load(std::memory_order_relaxed) || failed()) continue;
      lock.unlock();
      check_deadlines();
      lock.lock();
      if (timed_out_) {
        end_process_if_hung(lock);
        return;
      }
    }
  }

  /// The watchdog's view of the current collective: since when (steady clock, ns) it has seen a
  /// worker with a timeout waiting in it. Polled, so a timeout runs out up to one poll late.
  void check_deadlines() {
    const std::uint64_t gen = generation_.load(std::memory_order_acquire);
    int waiting = -1;
    for (int r = 0; r < n_ && waiting < 0; ++r) {
      Worker& w = worker(r);
      if (w.timeout_s.load(std::memory_order_relaxed) > 0 &&
          w.state.load(std::memory_order_acquire) == kSuspended &&
          w.entered.load(std::memory_order_relaxed) == gen + 1) {
        waiting = r;
      }
    }
    const std::int64_t now = steady_ns();
    if (waiting < 0 || watched_generation_ != gen + 1) {
      watched_generation_ = waiting < 0 ? 0 : gen + 1;
      watched_since_ns_ = now;
      return;
    }
    Worker& w = worker(waiting);
    const double timeout = w.timeout_s.load(std::memory_order_relaxed);
    if (static_cast<double>(now - watched_since_ns_) < timeout * 1e9 ||
        generation_.load(std::memory_order_acquire) != gen) {
      return;
    }
    std::vector<int> missing;
    for (int q = 0; q < n_; ++q) {
      if (worker(q).entered.load(std::memory_order_relaxed) != gen + 1) missing.push_back(q);
    }
    {
      std::lock_guard lock(mutex_);
      timed_out_ = true;
      timeout_s_ = timeout;
    }
    fail(fmt::format(
        "collective #{} ({}) timed out: worker {} waited {:g} s (collective timeout) but "
        "worker{} {} did not arrive",
        gen + 1, op_name(static_cast<Op>(w.op.load(std::memory_order_relaxed))), waiting, timeout,
        missing.size() == 1 ? "" : "s",
        missing.empty() ? std::string("(none: they arrived just now)") : rank_list(missing)));
  }

  /// After a timeout a hung worker may never end, and the pool cannot end without it: wait a
  /// grace period (the timeout, between 1 and 10 s) for every body to end; if some never do,
  /// report them with the failure on stderr and end the process with _exit(1) (they use the
  /// caller's state, so the process cannot go on without them).
  void end_process_if_hung(std::unique_lock<std::mutex>& lock) {
    const double grace = std::clamp(timeout_s_, 1.0, 10.0);
    const bool all = done_changed_.wait_for(lock, std::chrono::duration<double>(grace), [&] {
      return finished_.load(std::memory_order_acquire) == n_;
    });
    if (all) return;
    std::vector<int> hung;
    for (int r = 0; r < n_; ++r) {
      if (worker(r).state.load(std::memory_order_acquire) != kFinished) hung.push_back(r);
    }
    std::fprintf(stderr,
                 "dcopt: error: %s; worker%s %s still did not respond %g s later: ending the "
                 "process\n",
                 failure_.c_str(), hung.size() == 1 ? "" : "s", rank_list(hung).c_str(), grace);
    std::fflush(stderr);
    ::_exit(1);
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

  /// A worker's body returned (complete_phase reports it if others wait for it).
  void worker_returned(int rank) {
    int none = -1;
    returned_rank_.compare_exchange_strong(none, rank, std::memory_order_acq_rel);
  }

  /// The first failure wins; every pool thread is woken to drain the waiting workers.
  void fail(std::string message) {
    {
      std::lock_guard lock(mutex_);
      if (failed()) return;
      failure_ = std::move(message);
      signal_.fetch_or(kFailed, std::memory_order_seq_cst);
    }
    signal();
  }

  std::string failure() {
    std::lock_guard lock(mutex_);
    return failure_;
  }

  /// Empty if the ranks agree on the collective, else the error every rank throws.
  std::string agreement_error(const std::vector<Slot>& slots, std::uint64_t gen) const {
    const Slot& first = slots[0];
    bool same = true;
    for (const Slot& s : slots) {
      same = same && s.op == first.op;
      if (!same) break;
      if (s.op == Op::broadcast || s.op == Op::gather) same = s.root == first.root;
      if (s.op == Op::allreduce_sum) same = s.call == first.call;
      if (s.op == Op::allgather_combine) same = s.combine == first.combine;
    }
    if (same && (first.op == Op::broadcast || first.op == Op::gather) &&
        (first.root < 0 || first.root >= n_)) {
      return fmt::format("collective #{}: {} root {} is not a rank (valid: 0..{})", gen + 1,
                         op_name(first.op), first.root, n_ - 1);
    }
    if (same) return {};
    std::string what;
    for (int r = 0; r < n_; ++r) {
      if (r == 16 && n_ > 17) {
        what += fmt::format(", ... ({} more ranks)", n_ - r);
        break;
      }
      what += fmt::format("{}rank {}: {}", r == 0 ? "" : ", ", r,
                          describe(slots[static_cast<std::size_t>(r)]));
    }
    return fmt::format("collective #{}: ranks called different collectives: {}", gen + 1, what);
  }

  const int n_;
  const std::function<void(Communicator&)>& body_;
  const bool per_worker_;
  const int threads_;
  const unsigned spins_;  ///< yields before sleeping
  const bool migrate_;
  const int batch_;
  std::unique_ptr<Worker[]> workers_;
  std::unique_ptr<Lane[]> lanes_;
  std::atomic<std::uint32_t> signal_ = 0;      ///< kFailed | changes mod 2^31 (futex word)
  std::atomic<std::uint64_t> generation_ = 0;  ///< completed collectives = the current phase
  std::atomic<int> pending_ = 0;               ///< workers of this phase not back yet
  std::atomic<int> finished_ = 0;              ///< workers whose body ended
  std::atomic<int> returned_rank_ = -1;        ///< first worker whose body returned normally
  std::atomic<int> sleepers_ = 0;              ///< pool threads in (or entering) futex_wait
  std::atomic<bool> deadlines_ = false;        ///< some worker ever waited with a timeout
  std::uint64_t watched_generation_ = 0;       ///< the watchdog's: collective # it sees waited in
  std::int64_t watched_since_ns_ = 0;          ///< since when
  std::mutex mutex_;  ///< guards failure_, first_error_, timed_out_, timeout_s_
  std::condition_variable done_changed_;
  std::string failure_;
  std::exception_ptr first_error_;
  bool timed_out_ = false;
  double timeout_s_ = 0;  ///< the collective timeout that ran out
  std::vector<Slot> slots_[2];
  // Written when a collective completes, read by every rank after it (finish_collective).
  std::string verdict_;
  std::vector<float> result_f32_;
  std::vector<double> result_f64_;
  std::exception_ptr combine_error_;
  std::uint64_t combine_total_ = 0;
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

template <class T>
void ThreadComm::combine(std::span<const std::uint8_t> mine, std::span<T> out, CombineRef<T> f) {
  const CombineCall call{out.size(), sizeof(T)};
  // Combined once when every rank has entered (ThreadShared::finish_collective), with rank 0's
  // `f`, which stays valid while rank 0 is suspended in this exchange.
  shared_.exchange(rank_, collective_timeout(), Op::allgather_combine, 0, [&](Slot& s) {
    s.bytes.assign(mine.begin(), mine.end());
    s.combine = call;
    s.combine_fn = &f;
  });
  const std::uint64_t total = shared_.take_result(out);
  meter_.record(mine.size() * static_cast<std::uint64_t>(size() - 1), total - mine.size());
}

void ThreadComm::allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                                   CombineRef<double> f) {
  combine(mine, out, f);
}

void ThreadComm::allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                                   CombineRef<float> f) {
  combine(mine, out, f);
}

void ThreadComm::allreduce_sum(std::span<float> values) { allreduce(values); }

void ThreadComm::allreduce_sum(std::span<double> values) { allreduce(values); }

template <class T>
void ThreadComm::allreduce(std::span<T> values) {
  // ReduceMode::native has no faster order-free variant here: both modes run this code.
  const detail::AllreduceCall call = detail::allreduce_call<T>(*this, values.size());
  const int n = size();
  const detail::AllreducePlan plan = detail::plan_allreduce(call, n, rank_);
  const bool at_completion = shared_.sums_at_completion(plan);
  auto slots = shared_.exchange(rank_, collective_timeout(), Op::allreduce_sum, 0, [&](Slot& s) {
    s.call = call;
    s.sum_at_completion = at_completion;
    s.data = values.data();
  });
  if (at_completion) {
    // Summed once, in rank order, from every rank's buffer when the last rank entered.
    if (n > 1) shared_.take_result(values);
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

void run_threads(int n, const std::function<void(Communicator&)>& body,
                 const ThreadRunOptions& options) {
  if (n < 1) {
    throw InvalidArgument(fmt::format("run_threads: number of workers must be >= 1, got {}", n));
  }
  if (options.threads < 0) {
    throw InvalidArgument(fmt::format("run_threads: threads must be >= 0 (0: one per core), got {}",
                                      options.threads));
  }
  ThreadShared shared(n, body, options);
  shared.run();
  shared.rethrow_first_error();
}

}  // namespace dcopt

#pragma once
// The SPMD Communicator contract (DESIGN.md). Every rank calls the same collectives in the same
// order. Every call is metered: a rank's bytes sent and received, counted as the payload a
// point-to-point realization would move for that rank (see each method). Both backends meter the
// same numbers for the same call.
//
// Buffers: the out-parameter forms (allgather(mine, out), gather(mine, root, out)) and
// broadcast reuse the caller's vectors: when the sizes are the same as in the previous call, a
// call allocates nothing. The returning forms are convenience wrappers that allocate every time.
#include <cstdint>
#include <span>
#include <vector>

#include "dcopt/comm/traffic_meter.hpp"

namespace dcopt {

using Bytes = std::vector<std::uint8_t>;

/// The contributions of one allgather_combine call, indexed by rank; read-only, valid only
/// during the combine.
class MessageSet {
 public:
  virtual int size() const = 0;
  virtual std::span<const std::uint8_t> operator[](int rank) const = 0;

 protected:
  ~MessageSet() = default;
};

/// Contributions held one vector per rank (what allgather and gather return) as a MessageSet.
class GatheredMessages final : public MessageSet {
 public:
  explicit GatheredMessages(const std::vector<Bytes>& all) : all_(all) {}
  int size() const override { return static_cast<int>(all_.size()); }
  std::span<const std::uint8_t> operator[](int rank) const override {
    return all_[static_cast<std::size_t>(rank)];
  }

 private:
  const std::vector<Bytes>& all_;
};

/// A non-owning reference to the combine step of allgather_combine: any callable
/// `void(const MessageSet&, std::span<T>)`. It must outlive the call (a lambda passed directly
/// does); nothing is allocated.
template <class T>
class CombineRef {
 public:
  template <class F>
  CombineRef(const F& f)  // NOLINT(google-explicit-constructor): a parameter type, like span
      : object_(&f), call_([](const void* o, const MessageSet& all, std::span<T> out) {
          (*static_cast<const F*>(o))(all, out);
        }) {}
  void operator()(const MessageSet& all, std::span<T> out) const { call_(object_, all, out); }

 private:
  const void* object_;
  void (*call_)(const void*, const MessageSet&, std::span<T>);
};

/// How allreduce_sum adds the ranks' contributions.
enum class ReduceMode {
  /// Element i of the result is (((v0[i] + v1[i]) + v2[i]) + ... + v_{n-1}[i]) in the element
  /// type (v_r: rank r's values, starting from v0[i], not from 0, so -0.0 stays -0.0). The
  /// result is bit-identical on every rank, on both backends and for any thread interleaving; it
  /// depends on the rank count only through the sum itself, not through how the backend splits
  /// the work. The default.
  deterministic,
  /// The backend's own reduction. MpiComm calls MPI_Allreduce(MPI_SUM): MPI chooses the order of
  /// the additions (by algorithm, message size and rank count), so the result may differ from the
  /// deterministic one in the last bits (each element is a sum of the same n terms, so the
  /// difference is bounded by about 2(n-1) * epsilon * sum_r |v_r[i]|), may differ between rank
  /// counts, MPI versions and configurations, differs from ThreadComm's, and the MPI standard does
  /// not promise the same bits on every rank either. A run using it is not reproducible bit for
  /// bit across backends. ThreadComm has no faster order-free reduction: there native is exactly
  /// deterministic.
  native,
};

class Communicator {
 public:
  /// allreduce_sum allgathers whole contributions when n * d * sizeof(T) is at most this many
  /// bytes (n ranks, d elements of type T), else reduces chunks (see allreduce_sum).
  static constexpr std::uint64_t kDefaultReduceGatherLimit = 64 * 1024;

  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Returns once every rank has called it. Moves no payload, so it meters nothing.
  virtual void barrier() = 0;

  /// Every rank contributes `mine` (any size, may be empty, sizes may differ); every rank gets
  /// all contributions indexed by rank in `out` (resized to size(); each out[r] is assigned, so it
  /// keeps its capacity). Metered: sent = |mine| * (size-1), received = sum of the others' sizes.
  virtual void allgather(std::span<const std::uint8_t> mine, std::vector<Bytes>& out) = 0;
  /// As above, into a new vector.
  std::vector<Bytes> allgather(std::span<const std::uint8_t> mine) {
    std::vector<Bytes> out;
    allgather(mine, out);
    return out;
  }

  /// `bytes` of `root` are copied to every rank (resized as needed, capacity reused). All ranks
  /// pass the same root. Metered: root sends |bytes| * (size-1); every other rank receives
  /// |bytes|.
  virtual void broadcast(Bytes& bytes, int root) = 0;

  /// Root gets every rank's contribution indexed by rank in `out` (resized to size(), each out[r]
  /// assigned, keeping its capacity); on the other ranks `out` is cleared (size 0). All ranks pass
  /// the same root. Metered: a non-root sends |mine|; root receives the others' sizes.
  virtual void gather(std::span<const std::uint8_t> mine, int root, std::vector<Bytes>& out) = 0;
  /// As above, into a new vector (empty on non-roots).
  std::vector<Bytes> gather(std::span<const std::uint8_t> mine, int root) {
    std::vector<Bytes> out;
    gather(mine, root, out);
    return out;
  }

  /// "Allgather, then one function of all the contributions": every rank contributes `mine`
  /// (any size, may be empty); `combine(all, out)` writes the result into `out` from the
  /// contributions alone, so it is the same on every rank: it must not read rank-specific state
  /// (a server step that every rank would compute identically from the allgathered messages,
  /// e.g. decoding and averaging them). Every rank passes the same out.size() and element type
  /// (ThreadComm checks it: CommError on every rank). If `combine` throws, the call throws that
  /// exception on every rank. Metered like allgather.
  ///
  /// Why it exists: with n ranks in one process, n identical combines of n messages each are
  /// n^2 work. ThreadComm runs `combine` once for all its ranks (on one of them, while the others
  /// wait) and copies the result to each; MpiComm allgathers and runs it on every rank (one rank
  /// per process, as before). The result is the same bits on both.
  ///
  /// The default (for decorators that need nothing else): allgather(), then `combine` on this
  /// rank.
  virtual void allgather_combine(std::span<const std::uint8_t> mine, std::span<double> out,
                                 CombineRef<double> combine);
  virtual void allgather_combine(std::span<const std::uint8_t> mine, std::span<float> out,
                                 CombineRef<float> combine);

  /// Element-wise sum over ranks, result in `values` on every rank, added as reduce_mode() says
  /// (default: deterministic, in rank order). All ranks must pass the same length and element
  /// type and have the same reduce_mode() and reduce_gather_limit() (checked: CommError on every
  /// rank, naming what differed; the communicator stays usable).
  ///
  /// Realization, with n = size(), d = |values|, s = sizeof(T) (4 or 8):
  ///   * n * d * s <= reduce_gather_limit(): every rank gets every contribution and adds them
  ///     (one exchange: the cheapest for small vectors).
  ///   * otherwise: the elements are split into n chunks, chunk q = [floor(q*d/n),
  ///     floor((q+1)*d/n)) of c_q elements; rank q gets chunk q of every rank (a reduce-scatter),
  ///     adds it up, and every rank gets every summed chunk (an allgather): about 2(n-1)/n * d * s
  ///     bytes per rank instead of (n-1) * d * s.
  /// Both give the same bits: per element the additions are the same, in the same order.
  /// Metered, for rank r, sent = received =
  ///   * (n-1) * d * s                        if n * d * s <= reduce_gather_limit(),
  ///   * (d - c_r + (n-1) * c_r) * s          otherwise (reduce-scatter + allgather),
  /// also in native mode (what MPI_Allreduce moves internally is not observable; its large-vector
  /// algorithms move the second amount). n = 1 meters 0 either way.
  virtual void allreduce_sum(std::span<float> values) = 0;
  virtual void allreduce_sum(std::span<double> values) = 0;

  /// Applies to the following allreduce_sum calls of this rank; every rank must set the same.
  void set_reduce_mode(ReduceMode mode) { reduce_mode_ = mode; }
  ReduceMode reduce_mode() const { return reduce_mode_; }
  /// The size up to which allreduce_sum allgathers whole contributions (see allreduce_sum). It
  /// changes the speed and the metered bytes, never the sums. 0: always reduce chunks;
  /// UINT64_MAX: always allgather. Every rank must set the same.
  void set_reduce_gather_limit(std::uint64_t bytes) { reduce_gather_limit_ = bytes; }
  std::uint64_t reduce_gather_limit() const { return reduce_gather_limit_; }

  /// How long (seconds) a collective of this rank may wait for the other ranks before it gives
  /// up (docs/RELIABILITY.md): a rank that stops responding (stopped, deadlocked, stuck in user
  /// code) then fails the collective with CommError naming the collective and the ranks that
  /// did not arrive, instead of every other rank waiting forever. 0 (the default): wait
  /// forever. Counted from when this rank enters the collective; a rank that computes longer
  /// than this between two collectives counts as hung. See each backend for what follows.
  void set_collective_timeout(double seconds) { collective_timeout_ = seconds > 0 ? seconds : 0; }
  double collective_timeout() const { return collective_timeout_; }

  TrafficMeter& meter() { return meter_; }
  const TrafficMeter& meter() const { return meter_; }

 protected:
  TrafficMeter meter_;

 private:
  ReduceMode reduce_mode_ = ReduceMode::deterministic;
  std::uint64_t reduce_gather_limit_ = kDefaultReduceGatherLimit;
  double collective_timeout_ = 0;
};

}  // namespace dcopt

#pragma once
// The Communicator contract as checks written once against `Communicator&`, run by every rank
// of every backend (ThreadComm in thread_comm_test.cpp, MpiComm in mpi_comm_mpi.cpp). Header-only
// so both test programs compile it without sharing an object file.
//
// Rule for every check: all ranks call the same collectives in the same order whatever the
// outcome of an EXPECT (no ASSERT between collectives), so a failed check never desynchronizes
// the ranks (under MPI that would hang until ctest's timeout instead of reporting the failure).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "dcopt/comm/communicator.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/rng.hpp"

namespace dcopt::comm_suite {

inline std::string who(const Communicator& c) {
  return "rank " + std::to_string(c.rank()) + " of " + std::to_string(c.size());
}

/// Distinct content per (rank, salt), so a payload delivered to the wrong slot is detected.
inline Bytes pattern(int rank, std::size_t length, int salt) {
  Bytes b(length);
  for (std::size_t i = 0; i < length; ++i) {
    b[i] = static_cast<std::uint8_t>(rank * 31 + static_cast<int>(i) * 7 + salt * 13 + 1);
  }
  return b;
}

template <class T>
bool same_bits(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), sizeof(T) * a.size()) == 0);
}
inline bool same_bits(std::span<const double> a, std::span<const double> b) {
  return same_bits<double>(a, b);
}
inline bool same_bits(std::span<const float> a, std::span<const float> b) {
  return same_bits<float>(a, b);
}

inline void check_rank_and_size(Communicator& c) {
  SCOPED_TRACE(who(c));
  EXPECT_GE(c.size(), 1);
  EXPECT_GE(c.rank(), 0);
  EXPECT_LT(c.rank(), c.size());
  // Every rank is present exactly once.
  std::uint8_t me = static_cast<std::uint8_t>(c.rank());
  auto all = c.allgather(std::span(&me, 1));
  ASSERT_EQ(all.size(), static_cast<std::size_t>(c.size()));
  for (int r = 0; r < c.size(); ++r) {
    EXPECT_EQ(all[static_cast<std::size_t>(r)], Bytes{static_cast<std::uint8_t>(r)});
  }
}

inline void check_barrier(Communicator& c) {
  SCOPED_TRACE(who(c));
  const Traffic before = c.meter().total();
  for (int k = 0; k < 100; ++k) c.barrier();
  // A barrier moves no payload.
  EXPECT_EQ(c.meter().total().bytes_sent, before.bytes_sent);
  EXPECT_EQ(c.meter().total().bytes_received, before.bytes_received);
  EXPECT_EQ(c.meter().total().messages_sent, before.messages_sent);
}

inline void check_allgather(Communicator& c) {
  SCOPED_TRACE(who(c));
  const auto n = static_cast<std::size_t>(c.size());
  // Unequal sizes, rank 0 empty.
  for (int salt = 0; salt < 3; ++salt) {
    auto all = c.allgather(pattern(c.rank(), static_cast<std::size_t>(c.rank()) * 37, salt));
    EXPECT_EQ(all.size(), n);
    for (std::size_t r = 0; r < std::min(n, all.size()); ++r) {
      EXPECT_EQ(all[r], pattern(static_cast<int>(r), r * 37, salt)) << "from rank " << r;
    }
  }
  // Everyone empty.
  auto none = c.allgather({});
  EXPECT_EQ(none.size(), n);
  for (const Bytes& b : none) EXPECT_TRUE(b.empty());
  // Only the last rank sends, and a large payload.
  const bool last = c.rank() == c.size() - 1;
  auto one = c.allgather(last ? pattern(c.rank(), 100000, 9) : Bytes{});
  EXPECT_EQ(one.size(), n);
  for (std::size_t r = 0; r < std::min(n, one.size()); ++r) {
    EXPECT_EQ(one[r], r + 1 == n ? pattern(static_cast<int>(r), 100000, 9) : Bytes{});
  }
}

inline void check_broadcast(Communicator& c) {
  SCOPED_TRACE(who(c));
  for (int root = 0; root < c.size(); ++root) {
    SCOPED_TRACE("root " + std::to_string(root));
    const Bytes sent = pattern(root, static_cast<std::size_t>(root + 1) * 13, 4);
    // Non-roots start with a payload of another length, to check the resize both ways.
    Bytes b = c.rank() == root ? sent : pattern(c.rank(), c.rank() % 2 ? 1000 : 5, 5);
    c.broadcast(b, root);
    EXPECT_EQ(b, sent);
    Bytes empty = c.rank() == root ? Bytes{} : pattern(c.rank(), 3, 6);
    c.broadcast(empty, root);
    EXPECT_TRUE(empty.empty());
  }
}

inline void check_gather(Communicator& c) {
  SCOPED_TRACE(who(c));
  const auto n = static_cast<std::size_t>(c.size());
  for (int root = 0; root < c.size(); ++root) {
    SCOPED_TRACE("root " + std::to_string(root));
    auto all = c.gather(pattern(c.rank(), static_cast<std::size_t>(c.rank()) * 37 + 2, root), root);
    if (c.rank() != root) {
      EXPECT_TRUE(all.empty());
      continue;
    }
    EXPECT_EQ(all.size(), n);
    for (std::size_t r = 0; r < std::min(n, all.size()); ++r) {
      EXPECT_EQ(all[r], pattern(static_cast<int>(r), r * 37 + 2, root)) << "from rank " << r;
    }
  }
  auto none = c.gather({}, 0);
  EXPECT_EQ(none.size(), c.rank() == 0 ? n : 0);
  for (const Bytes& b : none) EXPECT_TRUE(b.empty());
}

/// The out-parameter forms fill the caller's vectors and reuse their buffers: a second call with
/// the same sizes keeps every out[r].data() (no allocation), and stale contents or a wrong
/// outer size are overwritten.
inline void check_out_parameters_reuse_buffers(Communicator& c) {
  SCOPED_TRACE(who(c));
  const auto n = static_cast<std::size_t>(c.size());
  auto size_of = [](std::size_t r) { return 100 + 3 * r; };  // nonempty: data() is a real buffer
  std::vector<Bytes> out(n + 3, Bytes(5, 0xee));             // wrong size, stale contents
  c.allgather(pattern(c.rank(), size_of(static_cast<std::size_t>(c.rank())), 1), out);
  EXPECT_EQ(out.size(), n);
  std::vector<const std::uint8_t*> buffers;
  for (const Bytes& b : out) buffers.push_back(b.data());
  const Bytes* outer = out.data();
  for (int salt = 2; salt < 4; ++salt) {
    c.allgather(pattern(c.rank(), size_of(static_cast<std::size_t>(c.rank())), salt), out);
    EXPECT_EQ(out.size(), n);
    EXPECT_EQ(out.data(), outer);
    for (std::size_t r = 0; r < std::min(n, out.size()); ++r) {
      EXPECT_EQ(out[r], pattern(static_cast<int>(r), size_of(r), salt)) << "from rank " << r;
      EXPECT_EQ(out[r].data(), buffers[r]) << "out[" << r << "] was reallocated";
    }
  }
  // Shorter contributions fit in the same buffers too.
  c.allgather(pattern(c.rank(), 7, 4), out);
  for (std::size_t r = 0; r < std::min(n, out.size()); ++r) {
    EXPECT_EQ(out[r], pattern(static_cast<int>(r), 7, 4));
    EXPECT_EQ(out[r].data(), buffers[r]);
  }

  // gather: the root's buffers are reused the same way; a non-root's `out` is emptied.
  const int root = c.size() - 1;
  std::vector<Bytes> g(2, Bytes(9, 0xee));
  c.gather(pattern(c.rank(), size_of(static_cast<std::size_t>(c.rank())), 5), root, g);
  std::vector<const std::uint8_t*> gbuffers;
  for (const Bytes& b : g) gbuffers.push_back(b.data());
  c.gather(pattern(c.rank(), size_of(static_cast<std::size_t>(c.rank())), 6), root, g);
  if (c.rank() == root) {
    EXPECT_EQ(g.size(), n);
    for (std::size_t r = 0; r < std::min(n, g.size()); ++r) {
      EXPECT_EQ(g[r], pattern(static_cast<int>(r), size_of(r), 6)) << "from rank " << r;
      EXPECT_EQ(g[r].data(), gbuffers[r]) << "g[" << r << "] was reallocated";
    }
  } else {
    EXPECT_TRUE(g.empty());
  }
}

/// Rank r's contribution to element j of a vector of 2*size + 1 elements. In element j the ranks
/// j, j+1, j+2 (mod size) contribute 1.0, 1e16, -1e16, so 1.0 is absorbed or not depending on
/// which of the big values it meets first: the floating-point sum depends on the order of
/// addition. The other ranks add 0.0 in the first `size` elements and a small rank-dependent
/// value in the next `size`. The last element is -0.0 everywhere: the sum must keep its sign,
/// which a sum started from +0.0 would lose.
inline std::vector<double> order_sensitive_contribution(int rank, int size) {
  const auto n = static_cast<std::size_t>(size);
  std::vector<double> v(2 * n + 1);
  for (std::size_t j = 0; j < 2 * n; ++j) {
    const std::size_t role = (static_cast<std::size_t>(rank) + n - j % n) % n;
    const double rest = j < n ? 0.0 : 0.25 * (rank + 1);
    v[j] = role == 0 ? 1.0 : role == 1 ? 1e16 : role == 2 ? -1e16 : rest;
  }
  v.back() = -0.0;
  return v;
}

inline void check_allreduce_sum(Communicator& c) {
  SCOPED_TRACE(who(c));
  std::vector<double> expected = order_sensitive_contribution(0, c.size());
  std::vector<double> reversed = order_sensitive_contribution(c.size() - 1, c.size());
  const std::size_t m = expected.size();
  for (int r = 1; r < c.size(); ++r) {
    auto v = order_sensitive_contribution(r, c.size());
    auto w = order_sensitive_contribution(c.size() - 1 - r, c.size());
    for (std::size_t j = 0; j < m; ++j) {
      expected[j] += v[j];
      reversed[j] += w[j];
    }
  }
  // The check can tell rank order from reverse order as soon as there are 3 ranks.
  if (c.size() >= 3) {
    EXPECT_FALSE(same_bits(expected, reversed));
  }
  std::vector<double> x = order_sensitive_contribution(c.rank(), c.size());
  c.allreduce_sum(x);
  EXPECT_TRUE(same_bits(x, expected)) << "element 1: got " << x[1] << ", want " << expected[1];
  EXPECT_TRUE(std::signbit(x.back()));

  // Empty vectors are a valid (no-op) reduction.
  std::vector<double> none;
  c.allreduce_sum(none);
  EXPECT_TRUE(none.empty());

  // A long vector of exactly representable values: the exact sum is known in closed form.
  std::vector<double> big(1000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i) * (c.rank() + 1);
  c.allreduce_sum(big);
  const double ranks_sum = c.size() * (c.size() + 1) / 2.0;
  for (std::size_t i = 0; i < big.size(); ++i) {
    EXPECT_EQ(big[i], static_cast<double>(i) * ranks_sum) << "index " << i;
  }
}

/// A value of rank `rank` for element i that depends on (rank, i, salt) only, with magnitudes
/// spread over 2^-32..2^32 so that a sum of a few of them depends on the order of addition (a
/// small value is absorbed or not depending on which big one it meets first).
template <class T>
T wide_value(int rank, std::size_t i, std::uint64_t salt) {
  std::uint64_t h = salt * 0x9e3779b97f4a7c15ull ^ (static_cast<std::uint64_t>(rank) << 40) ^ i;
  h ^= h >> 30;  // splitmix64's finalizer
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  const double unit = static_cast<double>(h >> 11) * 0x1p-53 * 2.0 - 1.0;  // [-1, 1)
  return static_cast<T>(std::ldexp(unit, static_cast<int>(h & 63) - 32));
}

/// Rank `rank`'s contribution of d elements; from d >= 7 on, the last element is -0.0 on every
/// rank (its sum must stay -0.0, which a sum started from +0.0 would lose).
template <class T>
std::vector<T> wide_contribution(int rank, std::size_t d, std::uint64_t salt) {
  std::vector<T> v(d);
  for (std::size_t i = 0; i < d; ++i) v[i] = wide_value<T>(rank, i, salt);
  if (d >= 7) v.back() = static_cast<T>(-0.0);
  return v;
}

/// The sum of the n ranks' contributions added in the order `order` (rank order: 0, 1, ...), in
/// T, starting from the first contribution: the reference the deterministic mode must match.
template <class T>
std::vector<T> ordered_sum(int n, std::size_t d, std::uint64_t salt, bool reverse = false) {
  auto rank_at = [&](int k) { return reverse ? n - 1 - k : k; };
  std::vector<T> sum = wide_contribution<T>(rank_at(0), d, salt);
  for (int k = 1; k < n; ++k) {
    const std::vector<T> v = wide_contribution<T>(rank_at(k), d, salt);
    for (std::size_t i = 0; i < d; ++i) sum[i] += v[i];
  }
  return sum;
}

/// Every rank holds bit-identical `x`.
template <class T>
void check_same_on_all_ranks(Communicator& c, std::span<const T> x) {
  SCOPED_TRACE(who(c));
  const auto* p = reinterpret_cast<const std::uint8_t*>(x.data());
  auto all = c.allgather(std::span(p, sizeof(T) * x.size()));
  const Bytes mine(p, p + sizeof(T) * x.size());
  for (std::size_t r = 0; r < all.size(); ++r)
    EXPECT_EQ(all[r], mine) << "rank " << r << " differs";
}
inline void check_same_on_all_ranks(Communicator& c, std::span<const double> x) {
  check_same_on_all_ranks<double>(c, x);
}

/// Deterministic allreduce_sum of T against the rank-ordered reference, bit for bit, on lengths
/// that hit the chunking edge cases (d = 1 and 7 < size: empty chunks; 7, 1000 and 100003 not
/// divisible by 2, 3, 4 or 7), with the default gather limit and with each realization forced
/// (limit 0: always chunked, UINT64_MAX: always allgathered), so both realizations are checked
/// against the same reference.
template <class T>
void check_allreduce_matches_rank_order(Communicator& c) {
  SCOPED_TRACE(who(c) + (sizeof(T) == 4 ? ", float" : ", double"));
  const std::uint64_t limits[] = {Communicator::kDefaultReduceGatherLimit, 0,
                                  std::numeric_limits<std::uint64_t>::max()};
  for (std::size_t d : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{100003}}) {
    SCOPED_TRACE("d = " + std::to_string(d));
    const std::uint64_t salt = d;
    const std::vector<T> expected = ordered_sum<T>(c.size(), d, salt);
    // The reference can tell rank order from another order (with 3 ranks and enough elements).
    if (c.size() >= 3 && d >= 1000) {
      EXPECT_FALSE(same_bits<T>(expected, ordered_sum<T>(c.size(), d, salt, true)));
    }
    for (std::uint64_t limit : limits) {
      SCOPED_TRACE("gather limit " + std::to_string(limit));
      c.set_reduce_gather_limit(limit);
      std::vector<T> x = wide_contribution<T>(c.rank(), d, salt);
      c.allreduce_sum(std::span<T>(x));
      std::size_t first_diff = 0;
      while (first_diff < d && std::memcmp(&x[first_diff], &expected[first_diff], sizeof(T)) == 0)
        ++first_diff;
      EXPECT_EQ(first_diff, d) << "first differing element " << first_diff << ": got "
                               << (first_diff < d ? x[first_diff] : T{}) << ", want "
                               << (first_diff < d ? expected[first_diff] : T{});
      if (d >= 7) {
        EXPECT_TRUE(std::signbit(x.back()));
      }
      check_same_on_all_ranks<T>(c, x);
    }
  }
  c.set_reduce_gather_limit(Communicator::kDefaultReduceGatherLimit);
  // Empty vectors are a valid (no-op) reduction in either realization.
  std::vector<T> none;
  c.allreduce_sum(std::span<T>(none));
  c.set_reduce_gather_limit(0);
  c.allreduce_sum(std::span<T>(none));
  c.set_reduce_gather_limit(Communicator::kDefaultReduceGatherLimit);
  EXPECT_TRUE(none.empty());
}

/// Ranks that disagree on the length, the element type, the mode or the gather limit get a
/// CommError on every rank before any value moves, and the communicator stays usable.
inline void check_allreduce_disagreement_fails_everywhere(Communicator& c) {
  SCOPED_TRACE(who(c));
  if (c.size() < 2) return;  // one rank cannot disagree with another
  const bool odd_one = c.rank() == 1;
  {
    SCOPED_TRACE("length");
    std::vector<float> v(odd_one ? 8 : 7, 1.0f);
    EXPECT_THROW(c.allreduce_sum(std::span<float>(v)), CommError);
    std::vector<double> big(odd_one ? 100004 : 100003, 1.0);  // the chunked realization too
    EXPECT_THROW(c.allreduce_sum(std::span<double>(big)), CommError);
  }
  {
    SCOPED_TRACE("element type");
    std::vector<float> f(5, 1.0f);
    std::vector<double> d(5, 1.0);
    if (odd_one) {
      EXPECT_THROW(c.allreduce_sum(std::span<float>(f)), CommError);
    } else {
      EXPECT_THROW(c.allreduce_sum(std::span<double>(d)), CommError);
    }
  }
  {
    SCOPED_TRACE("mode");
    std::vector<double> v(5, 1.0);
    if (odd_one) c.set_reduce_mode(ReduceMode::native);
    EXPECT_THROW(c.allreduce_sum(std::span<double>(v)), CommError);
    c.set_reduce_mode(ReduceMode::deterministic);
  }
  {
    SCOPED_TRACE("gather limit");
    std::vector<double> v(5, 1.0);
    if (odd_one) c.set_reduce_gather_limit(0);
    EXPECT_THROW(c.allreduce_sum(std::span<double>(v)), CommError);
    c.set_reduce_gather_limit(Communicator::kDefaultReduceGatherLimit);
  }
  std::vector<float> w{static_cast<float>(c.rank())};
  c.allreduce_sum(std::span<float>(w));
  EXPECT_EQ(w[0], static_cast<float>(c.size() * (c.size() - 1) / 2));
}

/// ReduceMode::native adds in an order of the backend's choosing: each element must be within
/// `tolerance` * sum_r |v_r[i]| of the deterministic sum. Justification: any order of adding the
/// same n terms is within (n-1) * u * sum|terms| of the exact sum (u = 2^-24 float, 2^-53
/// double), so two orders differ by at most 2(n-1)u * sum|terms|: with n <= 7 ranks, 7.2e-7
/// (float) and 1.4e-15 (double), below the 1e-6 / 1e-12 used.
template <class T>
void check_native_mode_is_close(Communicator& c, double tolerance) {
  SCOPED_TRACE(who(c) + (sizeof(T) == 4 ? ", float" : ", double"));
  for (std::size_t d : {std::size_t{7}, std::size_t{1000}, std::size_t{100003}}) {
    SCOPED_TRACE("d = " + std::to_string(d));
    const std::uint64_t salt = 1000 + d;
    std::vector<T> deterministic = wide_contribution<T>(c.rank(), d, salt);
    c.allreduce_sum(std::span<T>(deterministic));
    std::vector<T> native = wide_contribution<T>(c.rank(), d, salt);
    c.set_reduce_mode(ReduceMode::native);
    EXPECT_EQ(c.reduce_mode(), ReduceMode::native);
    c.allreduce_sum(std::span<T>(native));
    c.set_reduce_mode(ReduceMode::deterministic);
    std::vector<double> scale(d, 0.0);
    for (int r = 0; r < c.size(); ++r) {
      const std::vector<T> v = wide_contribution<T>(r, d, salt);
      for (std::size_t i = 0; i < d; ++i) scale[i] += std::abs(static_cast<double>(v[i]));
    }
    std::size_t bad = 0, first_bad = d;
    for (std::size_t i = 0; i < d; ++i) {
      const double diff =
          std::abs(static_cast<double>(native[i]) - static_cast<double>(deterministic[i]));
      if (!(diff <= tolerance * scale[i])) {
        if (bad++ == 0) first_bad = i;
      }
    }
    EXPECT_EQ(bad, 0u) << "first at " << first_bad << ": native "
                       << (first_bad < d ? native[first_bad] : T{}) << ", deterministic "
                       << (first_bad < d ? deterministic[first_bad] : T{});
  }
}

/// Byte counts exactly as communicator.hpp defines them, per rank, for totals and the per-round
/// window.
inline void check_meter(Communicator& c) {
  SCOPED_TRACE(who(c));
  const std::uint64_t n = static_cast<std::uint64_t>(c.size());
  const std::uint64_t r = static_cast<std::uint64_t>(c.rank());
  auto sum_except = [&](std::uint64_t skip, auto size_of) {
    std::uint64_t s = 0;
    for (std::uint64_t q = 0; q < n; ++q) s += q == skip ? 0 : size_of(q);
    return s;
  };
  Traffic total;
  auto expect_round = [&](std::uint64_t sent, std::uint64_t received, const char* what) {
    SCOPED_TRACE(what);
    total.bytes_sent += sent;
    total.bytes_received += received;
    total.messages_sent += sent > 0 ? 1 : 0;
    EXPECT_EQ(c.meter().round().bytes_sent, sent);
    EXPECT_EQ(c.meter().round().bytes_received, received);
    EXPECT_EQ(c.meter().round().messages_sent, sent > 0 ? 1u : 0u);
    EXPECT_EQ(c.meter().total().bytes_sent, total.bytes_sent);
    EXPECT_EQ(c.meter().total().bytes_received, total.bytes_received);
    EXPECT_EQ(c.meter().total().messages_sent, total.messages_sent);
    c.meter().reset_round();
  };
  c.meter().reset();

  auto ag_size = [](std::uint64_t q) { return q * 37; };
  c.allgather(pattern(c.rank(), ag_size(r), 0));
  expect_round(ag_size(r) * (n - 1), sum_except(r, ag_size), "allgather");

  const std::uint64_t bcast_root = 1 % n;
  Bytes b = c.rank() == static_cast<int>(bcast_root) ? pattern(0, 100, 1) : Bytes(7);
  c.broadcast(b, static_cast<int>(bcast_root));
  expect_round(r == bcast_root ? 100 * (n - 1) : 0, r == bcast_root ? 0 : 100, "broadcast");

  const std::uint64_t gather_root = n - 1;
  auto g_size = [](std::uint64_t q) { return q * 37 + 5; };
  c.gather(pattern(c.rank(), g_size(r), 2), static_cast<int>(gather_root));
  expect_round(r == gather_root ? 0 : g_size(r),
               r == gather_root ? sum_except(gather_root, g_size) : 0, "gather");

  // allreduce_sum: 10 doubles are below the gather limit, so every rank gets every
  // contribution: (n-1) * 80 bytes each way.
  std::vector<double> v(10, 1.0);
  c.allreduce_sum(v);
  expect_round(80 * (n - 1), 80 * (n - 1), "allreduce_sum, small");
  // The chunked realization moves rank r's part of every other chunk (d - c_r elements) out and
  // n-1 parts of its own chunk in, then its summed chunk to n-1 ranks and the other summed chunks
  // in: (d - c_r + (n-1) * c_r) elements each way, with chunk r = [r*d/n, (r+1)*d/n). With one
  // rank (c_0 = d) that is 0, as it must be.
  auto chunked = [&](std::uint64_t d, std::uint64_t s) {
    const std::uint64_t c_r = (r + 1) * d / n - r * d / n;
    return (d - c_r + (n - 1) * c_r) * s;
  };
  std::vector<double> big(100003, 1.0);  // 800 KB per rank: above the default limit
  c.allreduce_sum(big);
  expect_round(chunked(100003, 8), chunked(100003, 8), "allreduce_sum, big");
  std::vector<float> f(10, 1.0f);
  c.set_reduce_gather_limit(0);  // forces chunks of 10 / n elements (some empty when n > 10)
  c.allreduce_sum(std::span<float>(f));
  c.set_reduce_gather_limit(Communicator::kDefaultReduceGatherLimit);
  expect_round(chunked(10, 4), chunked(10, 4), "allreduce_sum, chunked");
  // Native mode meters the same as the deterministic one (MPI_Allreduce's own traffic is not
  // observable), so both backends report the same numbers.
  c.set_reduce_mode(ReduceMode::native);
  c.allreduce_sum(v);
  expect_round(80 * (n - 1), 80 * (n - 1), "allreduce_sum, native, small");
  c.allreduce_sum(big);
  expect_round(chunked(100003, 8), chunked(100003, 8), "allreduce_sum, native, big");
  c.set_reduce_mode(ReduceMode::deterministic);

  c.barrier();
  expect_round(0, 0, "barrier");

  c.meter().reset();
  EXPECT_EQ(c.meter().total().bytes_sent, 0u);
  EXPECT_EQ(c.meter().total().messages_sent, 0u);
}

/// A small seeded "optimization": every round each rank draws from its own stream, the draws
/// are summed, and the state goes through a nonlinear update, so any difference in a single bit
/// of any sum propagates to the end. T is the element type of the state and of the sums (the
/// draws and the update are computed in double and rounded to T).
template <class T = double>
std::vector<T> local_draw(std::uint64_t seed, int rank, int round, std::span<const T> x) {
  Rng rng(seed, Purpose::test, static_cast<std::uint64_t>(rank), static_cast<std::uint64_t>(round));
  std::vector<T> g(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    g[i] = static_cast<T>(rng.normal() * 1e3 + std::tanh(static_cast<double>(x[i]) * (rank + 1)) +
                          1e-7 * rng.uniform());
  }
  return g;
}

template <class T = double>
void update(std::vector<T>& x, std::span<const T> sum, int n) {
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double xi = x[i];
    x[i] = static_cast<T>(0.9 * xi - 0.1 * std::sin(static_cast<double>(sum[i]) / n) +
                          1e-3 * std::exp(-xi * xi));
  }
}

template <class T = double>
std::vector<T> seeded_run(Communicator& c, std::uint64_t seed, int rounds = 50,
                          std::size_t d = 33) {
  std::vector<T> x(d, T{0});
  for (int k = 0; k < rounds; ++k) {
    auto g = local_draw<T>(seed, c.rank(), k, x);
    c.allreduce_sum(std::span<T>(g));
    update<T>(x, g, c.size());
  }
  return x;
}

/// The same computation simulated serially for n ranks (rank-order sums), the reference both
/// backends must match bit for bit.
template <class T = double>
std::vector<T> seeded_reference(int n, std::uint64_t seed, int rounds = 50, std::size_t d = 33) {
  std::vector<T> x(d, T{0});
  for (int k = 0; k < rounds; ++k) {
    auto sum = local_draw<T>(seed, 0, k, x);
    for (int r = 1; r < n; ++r) {
      auto g = local_draw<T>(seed, r, k, x);
      for (std::size_t i = 0; i < d; ++i) sum[i] += g[i];
    }
    update<T>(x, sum, n);
  }
  return x;
}

template <class T>
void check_seeded_run_of(Communicator& c) {
  SCOPED_TRACE(who(c) + (sizeof(T) == 4 ? ", float" : ", double"));
  // Default limit (d = 33 is allgathered) and limit 0 (chunked).
  for (std::uint64_t limit : {Communicator::kDefaultReduceGatherLimit, std::uint64_t{0}}) {
    SCOPED_TRACE("gather limit " + std::to_string(limit));
    c.set_reduce_gather_limit(limit);
    auto x = seeded_run<T>(c, 2024);
    check_same_on_all_ranks<T>(c, x);
    EXPECT_TRUE(same_bits<T>(x, seeded_reference<T>(c.size(), 2024)));
    // The seed matters (the check above is not comparing constants).
    EXPECT_FALSE(same_bits<T>(x, seeded_reference<T>(c.size(), 2025)));
  }
  c.set_reduce_gather_limit(Communicator::kDefaultReduceGatherLimit);
}

inline void check_seeded_run(Communicator& c) {
  check_seeded_run_of<double>(c);
  check_seeded_run_of<float>(c);
}

/// allgather_combine: every rank gets combine(all contributions), computed from the contributions
/// alone (here out[j] = sum over r, in rank order, of (r + 1) * byte j mod |m_r| of m_r), metered
/// like allgather; an exception thrown by the combine reaches every rank, and the communicator
/// stays usable.
template <class T>
void check_allgather_combine_of(Communicator& c) {
  SCOPED_TRACE(who(c) + (sizeof(T) == 4 ? ", float" : ", double"));
  const int n = c.size();
  auto length = [](int r) { return static_cast<std::size_t>(r % 3 == 1 ? 0 : 5 + 11 * r); };
  auto combine = [](const MessageSet& all, std::span<T> out) {
    std::fill(out.begin(), out.end(), T{0});
    for (int r = 0; r < all.size(); ++r) {
      const auto m = all[r];
      if (m.empty()) continue;
      for (std::size_t j = 0; j < out.size(); ++j) out[j] += T(r + 1) * T(m[j % m.size()]);
    }
  };
  for (int salt = 0; salt < 3; ++salt) {
    const Bytes mine = pattern(c.rank(), length(c.rank()), salt);
    std::vector<Bytes> expected_all;
    std::uint64_t others = 0;
    for (int r = 0; r < n; ++r) {
      expected_all.push_back(pattern(r, length(r), salt));
      if (r != c.rank()) others += length(r);
    }
    std::vector<T> want(17);
    combine(GatheredMessages(expected_all), want);
    std::vector<T> got(17, T{-1});
    const Traffic before = c.meter().total();
    c.allgather_combine(mine, std::span<T>(got), combine);
    EXPECT_TRUE(same_bits<T>(got, want)) << "salt " << salt;
    EXPECT_EQ(c.meter().total().bytes_sent - before.bytes_sent,
              mine.size() * static_cast<std::uint64_t>(n - 1));
    EXPECT_EQ(c.meter().total().bytes_received - before.bytes_received, others);
    check_same_on_all_ranks<T>(c, got);
  }
  std::vector<T> out(3);
  std::string error;
  try {
    c.allgather_combine({}, std::span<T>(out), [](const MessageSet& all, std::span<T>) {
      std::string what = "combine failed with ";
      what += std::to_string(all.size());
      what += " messages";
      throw DecodeError(what);
    });
  } catch (const DecodeError& e) {
    error = e.what();
  }
  std::string want_error = "combine failed with ";
  want_error += std::to_string(n);
  want_error += " messages";
  EXPECT_EQ(error, want_error);
  c.barrier();  // still usable
}

inline void check_allgather_combine(Communicator& c) {
  check_allgather_combine_of<double>(c);
  check_allgather_combine_of<float>(c);
}

inline void run_all(Communicator& c) {
  check_rank_and_size(c);
  check_barrier(c);
  check_allgather(c);
  check_broadcast(c);
  check_gather(c);
  check_allgather_combine(c);
  check_out_parameters_reuse_buffers(c);
  check_allreduce_sum(c);
  check_allreduce_matches_rank_order<float>(c);
  check_allreduce_matches_rank_order<double>(c);
  check_allreduce_disagreement_fails_everywhere(c);
  check_native_mode_is_close<float>(c, 1e-6);
  check_native_mode_is_close<double>(c, 1e-12);
  check_meter(c);
  check_seeded_run(c);
}

}  // namespace dcopt::comm_suite

#pragma once
// The Communicator contract as checks written once against `Communicator&`, run by every rank
// of every backend (ThreadComm in thread_comm_test.cpp, MpiComm in mpi_comm_mpi.cpp). Header-only
// so both test programs compile it without sharing an object file.
//
// Rule for every check: all ranks call the same collectives in the same order whatever the
// outcome of an EXPECT (no ASSERT between collectives), so a failed check never desynchronizes
// the ranks (under MPI that would hang until ctest's timeout instead of reporting the failure).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "dcopt/comm/communicator.hpp"
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

inline bool same_bits(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), 8 * a.size()) == 0);
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

  std::vector<double> v(10, 1.0);
  c.allreduce_sum(v);
  expect_round(80 * (n - 1), 80 * (n - 1), "allreduce_sum");

  c.barrier();
  expect_round(0, 0, "barrier");

  c.meter().reset();
  EXPECT_EQ(c.meter().total().bytes_sent, 0u);
  EXPECT_EQ(c.meter().total().messages_sent, 0u);
}

/// A small seeded "optimization": every round each rank draws from its own stream, the draws
/// are summed, and the state goes through a nonlinear update, so any difference in a single bit
/// of any sum propagates to the end.
inline std::vector<double> local_draw(std::uint64_t seed, int rank, int round,
                                      std::span<const double> x) {
  Rng rng(seed, Purpose::test, static_cast<std::uint64_t>(rank), static_cast<std::uint64_t>(round));
  std::vector<double> g(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    g[i] = rng.normal() * 1e3 + std::tanh(x[i] * (rank + 1)) + 1e-7 * rng.uniform();
  }
  return g;
}

inline void update(std::vector<double>& x, std::span<const double> sum, int n) {
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = 0.9 * x[i] - 0.1 * std::sin(sum[i] / n) + 1e-3 * std::exp(-x[i] * x[i]);
  }
}

inline std::vector<double> seeded_run(Communicator& c, std::uint64_t seed, int rounds = 50,
                                      std::size_t d = 33) {
  std::vector<double> x(d, 0.0);
  for (int k = 0; k < rounds; ++k) {
    auto g = local_draw(seed, c.rank(), k, x);
    c.allreduce_sum(g);
    update(x, g, c.size());
  }
  return x;
}

/// The same computation simulated serially for n ranks (rank-order sums), the reference both
/// backends must match bit for bit.
inline std::vector<double> seeded_reference(int n, std::uint64_t seed, int rounds = 50,
                                            std::size_t d = 33) {
  std::vector<double> x(d, 0.0);
  for (int k = 0; k < rounds; ++k) {
    auto sum = local_draw(seed, 0, k, x);
    for (int r = 1; r < n; ++r) {
      auto g = local_draw(seed, r, k, x);
      for (std::size_t i = 0; i < d; ++i) sum[i] += g[i];
    }
    update(x, sum, n);
  }
  return x;
}

/// Every rank holds bit-identical `x`.
inline void check_same_on_all_ranks(Communicator& c, std::span<const double> x) {
  SCOPED_TRACE(who(c));
  const auto* p = reinterpret_cast<const std::uint8_t*>(x.data());
  auto all = c.allgather(std::span(p, 8 * x.size()));
  const Bytes mine(p, p + 8 * x.size());
  for (std::size_t r = 0; r < all.size(); ++r)
    EXPECT_EQ(all[r], mine) << "rank " << r << " differs";
}

inline void check_seeded_run(Communicator& c) {
  SCOPED_TRACE(who(c));
  auto x = seeded_run(c, 2024);
  check_same_on_all_ranks(c, x);
  EXPECT_TRUE(same_bits(x, seeded_reference(c.size(), 2024)));
  // The seed matters (the check above is not comparing constants).
  EXPECT_FALSE(same_bits(x, seeded_reference(c.size(), 2025)));
}

inline void run_all(Communicator& c) {
  check_rank_and_size(c);
  check_barrier(c);
  check_allgather(c);
  check_broadcast(c);
  check_gather(c);
  check_allreduce_sum(c);
  check_meter(c);
  check_seeded_run(c);
}

}  // namespace dcopt::comm_suite

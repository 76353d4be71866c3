#include <gtest/gtest.h>

#include <cmath>

#include "common_checks.hpp"
#include "dcopt/methods/blocks/client_sample.hpp"
#include "dcopt/methods/blocks/exchange.hpp"

namespace dcopt::testing {
namespace {

const std::string kRandK = "randk:k=2,precision=64";

TEST(PpMarina, ConvergesWithTheoryStepsize) {
  expect_converges("pp_marina", settings({{"codec", kRandK}}), heterogeneous_quadratic(5), 200000);
  expect_converges("pp_marina",
                   settings({{"codec", kRandK},
                             {"sampling", std::string("without_replacement")},
                             {"clients", std::int64_t{2}}}),
                   heterogeneous_quadratic(5), 200000);
}

TEST(PpMarina, AllClientsWithoutReplacementIsMarinaBitwise) {
  // r = n distinct clients: every worker sends with weight 1/n on the same streams as MARINA.
  QuadraticSpec q = heterogeneous_quadratic(5);
  RunOptions run;
  Settings s = settings({{"codec", kRandK}, {"p", 0.2}, {"gamma", 0.05}});
  RunResult m = run_method("marina", s, q, run);
  s.set("clients", std::int64_t{5});
  s.set("sampling", std::string("without_replacement"));
  RunResult pp = run_method("pp_marina", s, q, run);
  EXPECT_TRUE(same_bits(pp, m));
}

TEST(PpMarina, IdleWorkersSendNothing) {
  RunOptions run;
  run.max_rounds = 400;
  run.record_iterates = false;
  RunResult r = run_method("pp_marina", settings({{"codec", kRandK}, {"clients", std::int64_t{2}}}),
                           heterogeneous_quadratic(5), run);
  EXPECT_DOUBLE_EQ(r.parameters["p"], 0.2 * 2 / 5);  // zeta r/(d n)
  std::uint64_t dense_bits = r.init_costs[0].bits_up;
  int idle = 0, multi = 0;
  for (std::size_t k = 0; k < r.costs[0].size(); ++k) {
    int senders = 0;
    bool dense = r.costs[0][k].bits_up == dense_bits;
    for (const auto& w : r.costs) {
      const StepCost& c = w[k];
      EXPECT_EQ(c.bits_down, dense_bits);  // replicas stay current
      if (dense) {
        ASSERT_EQ(c.bits_up, dense_bits);
        ASSERT_EQ(c.full_grads, 1u);
      } else if (c.bits_up == 0) {
        ASSERT_EQ(c.full_grads, 0u);  // an idle worker computes nothing
        ++idle;
      } else {
        ASSERT_GE(c.full_grads, 1u);
        ASSERT_LE(c.full_grads, 2u);
        ++senders;
      }
    }
    // 2 draws with replacement: 1 or 2 distinct senders.
    if (!dense) {
      ASSERT_GE(senders, 1);
      ASSERT_LE(senders, 2);
      multi += senders == 1;
    }
  }
  EXPECT_GT(idle, 0);
  EXPECT_GT(multi, 0);  // P(same worker drawn twice) = 1/5: it happens in 400 rounds
}

TEST(PpMarina, IdentityCodecIsTheAlgorithmBoxInOneLoop) {
  // Algorithm 4 with an exact Q, run in one loop over the clients: g^0 = mean grad f_i(x^0);
  // x^k = x^{k-1} - gamma g^{k-1}; a dense round sets g^k = mean grad f_i(x^k), otherwise the r
  // drawn clients add w_i (grad f_i(x^k) - grad f_i(x^{k-1})). A client that sat out the rounds
  // before it is drawn must difference against x^{k-1}, not against the point of its cached
  // gradient: with clients = 2 of 5 over 300 rounds most draws are of such clients.
  const int n = 5, rounds = 300;
  const double gamma = 0.05;
  QuadraticSpec q = heterogeneous_quadratic(n);
  RunOptions run;
  run.max_rounds = rounds;
  Settings s = identity64({{"p", 0.1}, {"gamma", gamma}, {"clients", std::int64_t{2}}});
  const RunResult r = run_method("pp_marina", s, q, run);
  ASSERT_EQ(r.iterates.size(), static_cast<std::size_t>(rounds + 1));
  std::vector<vec::Vec> expected;
  int stale_draws = 0;
  run_threads(n, [&](Communicator& comm) {
    if (comm.rank() != 0) return;  // the loop runs once, with rank 0's context for the streams
    WorkerContext ctx{comm, run.seed};
    std::vector<QuadraticObjective> f;
    for (int i = 0; i < n; ++i) f.push_back(make_quadratic_worker(q, static_cast<std::size_t>(i)));
    const std::size_t d = f[0].dim();
    vec::Vec x(d, 0.0), x_prev(d), g(d, 0.0), grad(d), grad_prev(d), avg(d);
    std::vector<int> last_drawn(n, 0);
    auto dense = [&](std::uint64_t k) {
      vec::fill(g, 0.0);
      for (int i = 0; i < n; ++i) {
        f[static_cast<std::size_t>(i)].gradient(x, grad);
        for (std::size_t j = 0; j < d; ++j) g[j] += (1.0 / n) * grad[j];
        last_drawn[static_cast<std::size_t>(i)] = static_cast<int>(k);
      }
    };
    dense(0);
    expected.push_back(x);
    ClientSample clients;
    for (int k = 1; k <= rounds; ++k) {
      x_prev = x;
      vec::axpy(-gamma, g, x);
      if (shared_coin(ctx, 0.1, static_cast<std::uint64_t>(k))) {
        dense(static_cast<std::uint64_t>(k));
      } else {
        clients.draw(ctx, 2, ClientSampling::with_replacement, static_cast<std::uint64_t>(k));
        vec::fill(avg, 0.0);
        for (const ClientSample::Entry& e : clients.entries()) {
          const QuadraticObjective& fi = f[static_cast<std::size_t>(e.rank)];
          fi.gradient(x, grad);
          fi.gradient(x_prev, grad_prev);
          for (std::size_t j = 0; j < d; ++j) avg[j] += e.weight * (grad[j] - grad_prev[j]);
          if (last_drawn[static_cast<std::size_t>(e.rank)] < k - 1) ++stale_draws;
          last_drawn[static_cast<std::size_t>(e.rank)] = k;
        }
        vec::axpy(1.0, avg, g);
      }
      expected.push_back(x);
    }
  });
  EXPECT_GT(stale_draws, rounds / 4);
  // The same operations in the same order but for how the dense mean is added up (the method
  // allreduces the n terms): agreement to round-off, where differencing against a stale point
  // moves the iterate by O(gamma L ||x^{k-1} - x^j||).
  for (int k = 0; k <= rounds; ++k) {
    const vec::Vec& got = r.iterates[static_cast<std::size_t>(k)];
    const vec::Vec& want = expected[static_cast<std::size_t>(k)];
    for (std::size_t j = 0; j < want.size(); ++j) {
      ASSERT_NEAR(got[j], want[j], 1e-10 * (1.0 + std::abs(want[j]))) << "round " << k;
    }
  }
}

TEST(PpMarina, Deterministic) {
  expect_deterministic("pp_marina", settings({{"codec", kRandK}}), heterogeneous_quadratic(5));
}

TEST(PpMarina, BadSettings) {
  expect_invalid("pp_marina", settings({{"clients", std::int64_t{6}}}), {"clients", "<= 5"});
  expect_invalid("pp_marina", settings({{"clients", std::int64_t{0}}}), {"clients"});
  expect_invalid("pp_marina", settings({{"p", 0.0}}), {"p", "0 < p <= 1"});
  expect_invalid("pp_marina", settings({{"sampling", std::string("x")}}), {"sampling"});
  expect_invalid("pp_marina", settings({{"codec", std::string("topk:k=1")}}), {"topk", "biased"});
}

}  // namespace
}  // namespace dcopt::testing

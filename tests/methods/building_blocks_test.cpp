// The exchange building blocks (exchange.hpp), CompressedShift and ErrorMemory with exchange
// options, on the thread backend.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "dcopt/comm/thread_comm.hpp"
#include "dcopt/compress/registry.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/vec.hpp"
#include "dcopt/methods/blocks/compressed_shift.hpp"
#include "dcopt/methods/blocks/error_memory.hpp"
#include "dcopt/methods/blocks/exchange.hpp"
#include "method_harness.hpp"

namespace dcopt {
namespace {

// Worker w's vector: distinct, exactly representable entries.
vec::Vec vector_of(int w, std::size_t d = 10) {
  vec::Vec x(d);
  for (std::size_t j = 0; j < d; ++j) x[j] = (w + 1) * 0.5 + static_cast<double>(j) * 0.25;
  return x;
}

TEST(ExchangeAverage, WeightsAndScale) {
  CompressorPtr id = make_compressor("identity:precision=64");
  const double weights[3] = {0.5, 0.0, 0.5};
  run_threads(3, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1};
    vec::Vec x = vector_of(comm.rank()), avg(10), mine(10, 7.0);
    ExchangeOptions o;
    o.weights = weights;
    o.scale = 0.5;
    o.my_decoded = mine;
    StreamPlan plan;
    Exchange<double> exchange(plan.exchange("weights"));
    std::uint64_t bits = exchange.average(ctx, *id, x, avg, 1, o);
    vec::Vec x0 = vector_of(0), x2 = vector_of(2);
    for (std::size_t j = 0; j < 10; ++j) {
      // Exact: halves and quarters of small dyadic numbers.
      EXPECT_EQ(avg[j], 0.25 * x0[j] + 0.25 * x2[j]);
      EXPECT_EQ(mine[j], comm.rank() == 1 ? 0.0 : 0.5 * x[j]);
    }
    if (comm.rank() == 1) {
      EXPECT_EQ(bits, 0u);
    } else {
      EXPECT_GT(bits, 640u);
    }
  });
}

TEST(ExchangeAverage, SharedStreamsGiveTheSameSupport) {
  CompressorPtr randk = make_compressor("randk:k=2,precision=64");
  for (CodecStreams streams : {CodecStreams::shared, CodecStreams::independent}) {
    std::mutex mu;
    std::vector<std::set<std::vector<int>>> supports(6);  // per round: distinct supports
    run_threads(4, [&](Communicator& comm) {
      WorkerContext ctx{comm, 3};
      vec::Vec x = vector_of(comm.rank()), avg(10), mine(10);
      StreamPlan plan;
      Exchange<double> exchange(plan.exchange("supports"));
      for (std::uint64_t round = 1; round <= 6; ++round) {
        ExchangeOptions o;
        o.streams = streams;
        o.my_decoded = mine;
        exchange.average(ctx, *randk, x, avg, round, o);
        std::vector<int> support;
        for (int j = 0; j < 10; ++j) {
          if (mine[static_cast<std::size_t>(j)] != 0.0) support.push_back(j);
        }
        std::lock_guard<std::mutex> lock(mu);
        supports[round - 1].insert(support);
      }
    });
    std::size_t distinct = 0;
    for (const auto& s : supports) distinct += s.size();
    if (streams == CodecStreams::shared) {
      EXPECT_EQ(distinct, 6u) << "shared streams: one support per round";
    } else {
      // Independent: P(4 workers pick the same 2 of 10 coordinates) = 45^-3 per round.
      EXPECT_GT(distinct, 6u);
    }
  }
}

TEST(SampleClientWeights, SameEverywhereAndUnbiased) {
  const int n = 5, r = 3, rounds = 4000;
  std::vector<std::vector<double>> seen(n);
  run_threads(n, [&](Communicator& comm) {
    WorkerContext ctx{comm, 11};
    vec::Vec w(n), sum(n, 0.0);
    Bytes mine(n * sizeof(double));
    for (int k = 1; k <= rounds; ++k) {
      sample_client_weights(ctx, r, ClientSampling::with_replacement, k, w);
      double total = 0;
      for (double v : w) {
        total += v;
        // Multiples of 1/r.
        EXPECT_NEAR(v * r, std::round(v * r), 1e-12);
      }
      EXPECT_NEAR(total, 1.0, 1e-15);
      vec::axpy(1.0, w, sum);
      std::memcpy(mine.data(), w.data(), mine.size());
      comm.broadcast(mine, 0);
      EXPECT_EQ(std::memcmp(mine.data(), w.data(), mine.size()), 0) << "round " << k;
      sample_client_weights(ctx, r, ClientSampling::without_replacement, k, w);
      int selected = 0;
      for (double v : w) {
        if (v != 0.0) {
          EXPECT_EQ(v, 1.0 / r);
          ++selected;
        }
      }
      EXPECT_EQ(selected, r);
    }
    seen[static_cast<std::size_t>(comm.rank())] = sum;
  });
  // E[weight_w] = 1/n; Var(c/r) = (1/n)(1-1/n)/r with c ~ Bin(r, 1/n); 5 sd of the mean.
  const double sd = std::sqrt((1.0 / n) * (1 - 1.0 / n) / r / rounds);
  for (int w = 0; w < n; ++w) EXPECT_NEAR(seen[0][w] / rounds, 1.0 / n, 5 * sd);
}

TEST(ClientSample, WithoutReplacementIsUniformOverTheWorkers) {
  // Floyd's r draws: every worker is drawn with probability r/n, never twice.
  const int n = 7, r = 3, rounds = 20000;
  std::vector<int> count(n, 0);
  run_threads(n, [&](Communicator& comm) {
    WorkerContext ctx{comm, 4};
    ClientSample s;
    for (int k = 1; k <= rounds && comm.rank() == 0; ++k) {
      s.draw(ctx, r, ClientSampling::without_replacement, static_cast<std::uint64_t>(k));
      ASSERT_EQ(s.entries().size(), static_cast<std::size_t>(r));
      for (std::size_t i = 0; i < s.entries().size(); ++i) {
        if (i > 0) {
          ASSERT_LT(s.entries()[i - 1].rank, s.entries()[i].rank);
        }
        ASSERT_EQ(s.entries()[i].weight, 1.0 / r);
        ++count[static_cast<std::size_t>(s.entries()[i].rank)];
      }
    }
  });
  // Inclusion ~ Bin(rounds, r/n); 5 sd.
  const double p = static_cast<double>(r) / n, sd = std::sqrt(rounds * p * (1 - p));
  for (int w = 0; w < n; ++w) EXPECT_NEAR(count[static_cast<std::size_t>(w)], rounds * p, 5 * sd);
}

TEST(ClientSample, SparseDrawIsTheDenseWeightsAndGivesTheSameAverage) {
  // The sparse sample is what the dense weights say, and an exchange given the sample averages
  // to the same bits as one given the dense weights (the combine walks the drawn workers).
  const int n = 9;
  CompressorPtr randk = make_compressor("randk:k=3");
  run_threads(n, [&](Communicator& comm) {
    WorkerContext ctx{comm, 21};
    StreamPlan plan;
    // Two exchanges on one stream: the same codec draws, so their averages must be equal bits.
    Exchange<double> sparse(plan.exchange("partial"));
    Exchange<double> dense(sparse.stream());
    ClientSample s;
    vec::Vec w(n), x = vector_of(comm.rank()), a(10), b(10);
    for (std::uint64_t k = 1; k <= 50; ++k) {
      for (ClientSampling how :
           {ClientSampling::with_replacement, ClientSampling::without_replacement}) {
        s.draw(ctx, 4, how, k);
        sample_client_weights(ctx, 4, how, k, w);
        for (int r = 0; r < n; ++r) ASSERT_EQ(s.weight(r), w[static_cast<std::size_t>(r)]);
        ExchangeOptions os, od;
        os.clients = &s;
        od.weights = w;
        const std::uint64_t bs = sparse.average(ctx, *randk, x, a, k, os);
        const std::uint64_t bd = dense.average(ctx, *randk, x, b, k, od);
        ASSERT_EQ(bs, bd);
        ASSERT_EQ(bs == 0, s.weight(comm.rank()) == 0.0);
        for (std::size_t j = 0; j < 10; ++j) {
          ASSERT_EQ(std::bit_cast<std::uint64_t>(a[j]), std::bit_cast<std::uint64_t>(b[j]));
        }
      }
    }
  });
}

// One draw of (seed, n, r, how, round), by rank 0 of a cluster on a thread of its own (whose
// per-thread last draw is empty).
std::vector<ClientSample::Entry> fresh_draw(std::uint64_t seed, int n, std::size_t r,
                                            ClientSampling how, std::uint64_t round) {
  std::vector<ClientSample::Entry> out;
  std::thread t([&] {
    run_threads(n, [&](Communicator& comm) {
      if (comm.rank() != 0) return;
      WorkerContext ctx{comm, seed};
      ClientSample s;
      s.draw(ctx, r, how, round);
      out.assign(s.entries().begin(), s.entries().end());
    });
  });
  t.join();
  return out;
}

TEST(ClientSample, TheWorkersOfOneThreadGetTheFreshDrawForEveryKey) {
  // The workers of a thread copy the thread's last draw when the key is the same: every field of
  // the key must count. Keys in a row that differ in one field each (seed, round, r, sampling),
  // then clusters of another size on the same thread; each worker's entries against a draw made
  // on a fresh thread.
  struct Key {
    std::uint64_t seed, round;
    std::size_t r;
    ClientSampling how;
  };
  const auto with = ClientSampling::with_replacement, without = ClientSampling::without_replacement;
  const std::vector<Key> keys = {{4, 7, 3, with},    {5, 7, 3, with},    {5, 8, 3, with},
                                 {5, 8, 4, with},    {5, 8, 4, without}, {5, 8, 4, with},
                                 {4, 7, 3, without}, {4, 7, 3, with}};
  for (int n : {7, 9, 7}) {
    std::vector<std::vector<ClientSample::Entry>> expected;
    for (const Key& k : keys) expected.push_back(fresh_draw(k.seed, n, k.r, k.how, k.round));
    // Different keys must give different lists here, or a stale copy could pass unnoticed.
    for (std::size_t i = 1; i < keys.size(); ++i) {
      const auto& a = expected[i - 1];
      const auto& b = expected[i];
      const bool same =
          a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto& x, auto& y) {
            return x.rank == y.rank && x.weight == y.weight;
          });
      ASSERT_FALSE(same) << "keys " << i - 1 << " and " << i << " at n = " << n;
    }
    ThreadRunOptions one_thread;
    one_thread.threads = 1;
    run_threads(
        n,
        [&](Communicator& comm) {
          ClientSample s;
          for (std::size_t i = 0; i < keys.size(); ++i) {
            WorkerContext ctx{comm, keys[i].seed};
            s.draw(ctx, keys[i].r, keys[i].how, keys[i].round);
            ASSERT_EQ(s.entries().size(), expected[i].size()) << "key " << i << ", n = " << n;
            for (std::size_t j = 0; j < expected[i].size(); ++j) {
              ASSERT_EQ(s.entries()[j].rank, expected[i][j].rank) << "key " << i;
              ASSERT_EQ(s.entries()[j].weight, expected[i][j].weight) << "key " << i;
            }
            comm.barrier();  // every worker draws key i before any draws key i + 1
          }
        },
        one_thread);
  }
}

TEST(SampleMinibatch, WithAndWithoutReplacementFromTheReservedStream) {
  run_threads(1, [&](Communicator& comm) {
    WorkerContext ctx{comm, 5};
    StreamPlan plan;
    const MinibatchStream first = plan.minibatch("first");
    const MinibatchStream second = plan.minibatch("second");
    std::vector<std::uint32_t> idx;
    sample_minibatch(ctx, first, 10, 25, true, 1, idx);  // b > m is fine with replacement
    ASSERT_EQ(idx.size(), 25u);
    std::set<std::uint32_t> distinct(idx.begin(), idx.end());
    EXPECT_LT(distinct.size(), 25u);
    for (auto j : idx) EXPECT_LT(j, 10u);
    sample_minibatch(ctx, first, 10, 6, false, 1, idx);
    ASSERT_EQ(idx.size(), 6u);
    EXPECT_EQ(std::set<std::uint32_t>(idx.begin(), idx.end()).size(), 6u);
    std::vector<std::uint32_t> again;
    sample_minibatch(ctx, first, 10, 6, false, 1, again);
    EXPECT_EQ(idx, again);
    sample_minibatch(ctx, second, 10, 6, false, 1, again);  // another stream, another draw
    EXPECT_NE(idx, again);
    // The old collision: round 8 of a slot-less stream was round 1 of slot 0. Rounds of one
    // reserved stream never meet another stream's.
    for (std::uint64_t r = 1; r <= 3 * kSlotsPerRound; ++r) {
      sample_minibatch(ctx, second, 1000, 8, false, r, again);
      sample_minibatch(ctx, first, 1000, 8, false, 1, idx);
      EXPECT_NE(idx, again) << "round " << r;
    }
  });
}

TEST(StreamPlan, NamesAreReservedOnceAndSlotsAreBounded) {
  StreamPlan plan;
  EXPECT_EQ(plan.exchange("a").slot(), 0u);
  EXPECT_EQ(plan.minibatch("b").slot(), 0u);  // slots are counted per kind
  EXPECT_EQ(plan.exchange("c").slot(), 1u);
  EXPECT_THROW(plan.exchange("a"), std::logic_error);
  EXPECT_THROW(plan.minibatch("c"), std::logic_error);
  for (unsigned i = 2; i < kSlotsPerRound; ++i) {
    std::string name = "slot ";
    name += std::to_string(i);
    plan.exchange(name);
  }
  EXPECT_THROW(plan.exchange("one too many"), std::logic_error);
  EXPECT_EQ(plan.names().size(), kSlotsPerRound + 1);  // 8 exchanges and one minibatch stream
}

TEST(CompressedShift, TracksTheVectorsAndTheirMean) {
  CompressorPtr id = make_compressor("identity:precision=64");
  run_threads(3, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1};
    StreamPlan plan;
    Exchange<double> exchange(plan.exchange("shift"));
    CompressedShift<double> shift(10, 0.5);
    vec::Vec v = vector_of(comm.rank());
    vec::Vec mean(10, 0.0);
    for (int w = 0; w < 3; ++w) vec::axpy(1.0 / 3, vector_of(w), mean);
    for (std::uint64_t k = 1; k <= 40; ++k) {
      shift.exchange(ctx, exchange, *id, v, k);
      // Before advance(): m = mean(v_j - h_j).
      shift.advance();
    }
    // h_i = (1 - 2^-40) v_i, h = mean h_i, to round-off.
    for (std::size_t j = 0; j < 10; ++j) {
      EXPECT_NEAR(shift.local()[j], v[j], 1e-11 * std::abs(v[j]));
      EXPECT_NEAR(shift.mean()[j], mean[j], 1e-11 * std::abs(mean[j]));
    }
  });
}

TEST(CompressedShift, MessageIsTheCompressedDifference) {
  CompressorPtr id = make_compressor("identity:precision=64");
  run_threads(2, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1};
    StreamPlan plan;
    Exchange<double> exchange(plan.exchange("shift"));
    CompressedShift<double> shift(10, 1.0);
    vec::Vec h = vector_of(5), hm = vector_of(6), v = vector_of(comm.rank());
    shift.reset(h, hm);
    shift.exchange(ctx, exchange, *id, v, 1);
    for (std::size_t j = 0; j < 10; ++j) {
      EXPECT_EQ(shift.my_message()[j], v[j] - h[j]);
      EXPECT_EQ(shift.mean()[j], hm[j]);  // not moved before advance()
    }
    shift.advance();
    for (std::size_t j = 0; j < 10; ++j) EXPECT_EQ(shift.local()[j], v[j]);
  });
}

TEST(ErrorMemoryExchange, KeepsWhatTheCodecDropsOverRounds) {
  CompressorPtr top = make_compressor("topk:k=1,precision=64");
  CompressorPtr id = make_compressor("identity:precision=64");
  run_threads(2, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1};
    StreamPlan plan;
    Exchange<double> ex(plan.exchange("topk")), ex_id(plan.exchange("identity"));
    ErrorMemory<double> ef(10), ef_id(10);
    vec::Vec v = vector_of(comm.rank()), avg(10), sent_total(10, 0.0);
    // Over T rounds, what was sent plus the memory equals everything that was put in:
    // sum_t C(p_t) + e_T = T v (exact telescoping up to round-off).
    for (std::uint64_t k = 1; k <= 30; ++k) {
      ExchangeOptions o;
      ef.exchange(ctx, ex, *top, v, 1.0, avg, k, o);
      vec::axpy(1.0, avg, sent_total);
      ef_id.exchange(ctx, ex_id, *id, v, 1.0, avg, k, o);
      for (double e : ef_id.error()) ASSERT_EQ(e, 0.0);
    }
    vec::Vec e(ef.error().begin(), ef.error().end());
    comm.allreduce_sum(e);
    vec::Vec mean_v = vector_of(0);
    vec::axpy(1.0, vector_of(1), mean_v);
    for (std::size_t j = 0; j < 10; ++j) {
      EXPECT_NEAR(sent_total[j] + 0.5 * e[j], 30 * 0.5 * mean_v[j], 1e-12 * 30 * mean_v[j]);
    }
    // Memory bounded: TopK with delta = d never lets it grow past a few ||v||.
    EXPECT_LT(vec::norm2(ef.error()), 10 * vec::norm2(v));
    EXPECT_GT(vec::norm2(ef.error()), 0.0);
  });
}

}  // namespace
}  // namespace dcopt

namespace dcopt {
namespace {

// The allreduce realization of a dense exchange gives the allgather path's numbers bit for bit in
// fp64 (the same terms added in rank order), with the same uplink bits, and moves fewer bytes in
// fp32.
TEST(Exchange, DenseMessagesTakeTheAllreducePathWithTheSameNumbers) {
  const std::size_t d = 100003;  // above the allreduce's gather limit: the chunked realization
  for (const char* spec : {"identity:precision=32", "identity:precision=64"}) {
    SCOPED_TRACE(spec);
    CompressorPtr id = make_compressor(spec);
    run_threads(4, [&](Communicator& comm) {
      WorkerContext ctx{comm, 2};
      StreamPlan plan;
      Exchange<double> a(plan.exchange("allreduce")), b(plan.exchange("allgather"));
      vec::Vec x(d), avg_a(d), avg_b(d), mine_a(d), mine_b(d);
      for (std::size_t j = 0; j < d; ++j) {
        x[j] = std::sin(0.37 * static_cast<double>(j) + comm.rank()) / (1.0 + comm.rank());
      }
      BasicExchangeOptions<double> oa, ob;
      oa.my_decoded = mine_a;
      oa.scale = 0.75;
      ob = oa;
      ob.my_decoded = mine_b;
      ob.allreduce_linear = false;
      const std::uint64_t bits_a = a.average(ctx, *id, x, avg_a, 1, oa);
      const std::uint64_t bits_b = b.average(ctx, *id, x, avg_b, 1, ob);
      EXPECT_EQ(bits_a, bits_b);
      EXPECT_EQ(avg_a, avg_b);
      EXPECT_EQ(mine_a, mine_b);
    });
  }
  // fp32 vectors: the allreduce moves 4-byte values in about 2(n-1)/n vectors per rank, the
  // allgather (n-1) messages.
  CompressorPtr id = make_compressor("identity:precision=32");
  std::uint64_t sent_reduce = 0, sent_gather = 0;
  run_threads(4, [&](Communicator& comm) {
    WorkerContext ctx{comm, 2};
    StreamPlan plan;
    Exchange<float> a(plan.exchange("allreduce")), b(plan.exchange("allgather"));
    std::vector<float> x(d, 0.5f + static_cast<float>(comm.rank())), avg(d);
    BasicExchangeOptions<float> gather;
    gather.allreduce_linear = false;
    const std::uint64_t before = comm.meter().total().bytes_sent;
    a.average(ctx, *id, x, avg, 1);
    const std::uint64_t mid = comm.meter().total().bytes_sent;
    for (float v : avg) ASSERT_EQ(v, 2.0f);  // (0.5 + 1.5 + 2.5 + 3.5) / 4, exact
    b.average(ctx, *id, x, avg, 1, gather);
    for (float v : avg) ASSERT_EQ(v, 2.0f);
    if (comm.rank() == 0) {
      sent_reduce = mid - before;
      sent_gather = comm.meter().total().bytes_sent - mid;
    }
  });
  EXPECT_LT(sent_reduce, sent_gather * 6 / 10) << sent_reduce << " vs " << sent_gather;
}

TEST(ProblemConstants, WithoutSmoothnessATheoryStepsizeAsksForGamma) {
  // A network (or a user objective) declares no L_i: the theory stepsize is unavailable, and a
  // method given no `gamma` says which key to set instead of running with a made-up step.
  const QuadraticSpec q = testing::heterogeneous_quadratic(2);
  run_threads(2, [&](Communicator& comm) {
    WorkerContext ctx{comm, 1};
    const QuadraticObjective f = make_quadratic_worker(q, static_cast<std::size_t>(ctx.rank()));
    LocalConstants local = local_constants(f);
    local.smoothness.reset();
    const ProblemConstants c = gather_constants(ctx, local);
    EXPECT_FALSE(c.smoothness_known);
    const MinimizationSetup setup{f, c, std::vector<double>(f.dim(), 0.0)};
    for (const char* method : {"gd", "marina", "diana", "ef21", "vr_marina", "pp_marina"}) {
      SCOPED_TRACE(method);
      Settings s("method 1");
      try {
        make_minimization_method(method, s, setup);
        ADD_FAILURE() << "built without a stepsize";
      } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("set `gamma`"), std::string::npos) << e.what();
      }
      Settings with_gamma("method 1");
      with_gamma.set("gamma", 0.01);
      auto m = make_minimization_method(method, with_gamma, setup);
      EXPECT_EQ(m->parameters().at("gamma"), 0.01);
    }
  });
}

}  // namespace
}  // namespace dcopt

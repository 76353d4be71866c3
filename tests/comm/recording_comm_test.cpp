#include "dcopt/comm/recording_comm.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "dcopt/comm/thread_comm.hpp"

namespace dcopt {
namespace {

// Three ranks, one call of every collective while recording, one after stop(): every record
// has the kind, the payload and the meter's bytes communicator.hpp defines for that rank, and
// the results are the inner communicator's.
TEST(RecordingComm, RecordsEveryCollectiveWithItsPayloadAndMeteredBytesWhileRecording) {
  constexpr int n = 3;
  std::mutex mu;
  std::vector<std::vector<CollectiveRecord>> records(n);
  std::vector<Traffic> meters(n), inner_meters(n);
  run_threads(n, [&](Communicator& inner) {
    RecordingComm c(inner);
    const int r = c.rank();
    std::vector<float> early(2, 1.0f);
    c.allreduce_sum(std::span<float>(early));  // before start(): not kept
    c.start();
    c.barrier();
    // Rank r contributes r + 1 bytes.
    const Bytes mine(static_cast<std::size_t>(r + 1), static_cast<std::uint8_t>(r));
    std::vector<Bytes> all;
    c.allgather(mine, all);
    EXPECT_EQ(all.size(), 3u);
    EXPECT_EQ(all[2], Bytes(3, 2));
    Bytes b = r == 1 ? Bytes(5, 7) : Bytes{};
    c.broadcast(b, 1);
    EXPECT_EQ(b, Bytes(5, 7));
    c.gather(mine, 0, all);
    std::vector<float> f(10, static_cast<float>(r));
    c.allreduce_sum(std::span<float>(f));
    EXPECT_EQ(f[9], 3.0f);  // 0 + 1 + 2
    std::vector<double> d(3, 1.0);
    c.allreduce_sum(std::span<double>(d));
    EXPECT_EQ(d[0], 3.0);
    std::vector<float> combined(1);
    c.allgather_combine(mine, std::span<float>(combined),
                        [](const MessageSet& m, std::span<float> out) {
                          out[0] = static_cast<float>(m[0].size() + m[1].size() + m[2].size());
                        });
    EXPECT_EQ(combined[0], 6.0f);
    c.stop();
    c.allreduce_sum(std::span<double>(d));  // after stop(): not kept
    const std::lock_guard<std::mutex> lock(mu);
    records[static_cast<std::size_t>(r)] = c.records();
    meters[static_cast<std::size_t>(r)] = c.meter().total();
    inner_meters[static_cast<std::size_t>(r)] = inner.meter().total();
  });
  for (int r = 0; r < n; ++r) {
    SCOPED_TRACE(r);
    const std::vector<CollectiveRecord>& rec = records[static_cast<std::size_t>(r)];
    ASSERT_EQ(rec.size(), 7u);
    const std::uint64_t own = static_cast<std::uint64_t>(r + 1);
    const std::uint64_t others = 6 - own;
    const auto expect = [&](std::size_t i, CollectiveKind kind, std::uint64_t bytes,
                            std::uint64_t sent, std::uint64_t received) {
      EXPECT_EQ(to_string(rec[i].kind), to_string(kind)) << i;
      EXPECT_EQ(rec[i].bytes, bytes) << i;
      EXPECT_EQ(rec[i].sent, sent) << i;
      EXPECT_EQ(rec[i].received, received) << i;
    };
    expect(0, CollectiveKind::barrier, 0, 0, 0);
    expect(1, CollectiveKind::allgather, own, own * 2, others);
    expect(2, CollectiveKind::broadcast, 5, r == 1 ? 10 : 0, r == 1 ? 0 : 5);
    expect(3, CollectiveKind::gather, own, r == 0 ? 0 : own, r == 0 ? others : 0);
    // 3 * 10 * 4 bytes is under the gather limit: (n-1) * d * s each way.
    expect(4, CollectiveKind::allreduce_sum_f32, 40, 80, 80);
    expect(5, CollectiveKind::allreduce_sum_f64, 24, 48, 48);
    expect(6, CollectiveKind::allgather_combine, own, own * 2, others);
    // The decorator's meter is the inner one's, unrecorded calls included.
    EXPECT_EQ(meters[static_cast<std::size_t>(r)].bytes_sent,
              inner_meters[static_cast<std::size_t>(r)].bytes_sent);
    EXPECT_EQ(meters[static_cast<std::size_t>(r)].bytes_received,
              inner_meters[static_cast<std::size_t>(r)].bytes_received);
  }
}

TEST(RecordingComm, StartForgetsThePreviousRecords) {
  run_threads(2, [](Communicator& inner) {
    RecordingComm c(inner);
    EXPECT_FALSE(c.recording());
    c.start();
    c.barrier();
    c.barrier();
    EXPECT_EQ(c.records().size(), 2u);
    c.start();
    std::vector<float> v(4, 1.0f);
    c.allreduce_sum(std::span<float>(v));
    ASSERT_EQ(c.records().size(), 1u);
    EXPECT_EQ(c.records()[0].kind, CollectiveKind::allreduce_sum_f32);
    EXPECT_EQ(c.records()[0].bytes, 16u);
  });
}

}  // namespace
}  // namespace dcopt

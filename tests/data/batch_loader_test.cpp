#include "dcopt/data/batch_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/core/state_io.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

// A shard that is not 0..m-1, so a loader returning positions instead of indices fails.
std::vector<std::uint32_t> odd_shard(std::size_t m) {
  std::vector<std::uint32_t> s(m);
  for (std::size_t i = 0; i < m; ++i) s[i] = static_cast<std::uint32_t>(2 * i + 1);
  return s;
}

std::vector<std::uint32_t> take(BatchLoader& l, std::size_t batches) {
  std::vector<std::uint32_t> out;
  for (std::size_t b = 0; b < batches; ++b) {
    const auto batch = l.next_batch();
    out.insert(out.end(), batch.begin(), batch.end());
  }
  return out;
}

TEST(BatchLoader, EachEpochVisitsShardIndicesAtMostOnce) {
  // m = 103, b = 10: 10 batches per epoch, 100 indices, 3 left out each epoch.
  const auto shard = odd_shard(103);
  BatchLoader l(shard, 10, 11, 2);
  EXPECT_EQ(l.batches_per_epoch(), 10u);
  std::vector<std::vector<std::uint32_t>> epochs;
  std::vector<int> ever(2 * 103 + 1, 0);
  for (std::uint64_t e = 0; e < 6; ++e) {
    std::vector<std::uint32_t> seen;
    for (std::uint64_t p = 0; p < 10; ++p) {
      EXPECT_EQ(l.epoch(), e);
      EXPECT_EQ(l.position(), p);
      const auto batch = l.next_batch();
      ASSERT_EQ(batch.size(), 10u);
      seen.insert(seen.end(), batch.begin(), batch.end());
    }
    EXPECT_EQ(seen.size(), 100u);  // floor(103/10) * 10
    std::vector<std::uint32_t> sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "epoch " << e;
    for (std::uint32_t i : seen) {
      ASSERT_TRUE(std::binary_search(shard.begin(), shard.end(), i)) << i;
      ++ever[i];
    }
    epochs.push_back(seen);
  }
  EXPECT_EQ(l.epoch(), 6u);
  EXPECT_EQ(l.position(), 0u);
  // Each epoch has its own order (and its own left-out samples).
  for (std::size_t a = 0; a < epochs.size(); ++a) {
    for (std::size_t b = a + 1; b < epochs.size(); ++b) EXPECT_NE(epochs[a], epochs[b]);
  }
  // Over 6 epochs every sample is drawn about 6 * 100/103 times: all of them at least once
  // (P(a sample is left out 6 times) = (3/103)^6 < 1e-9).
  for (std::uint32_t i : shard) EXPECT_GE(ever[i], 1) << i;
}

TEST(BatchLoader, DivisibleShardIsAPermutationEachEpoch) {
  const auto shard = odd_shard(60);
  BatchLoader l(shard, 12, 3, 0);
  for (int e = 0; e < 3; ++e) {
    std::vector<std::uint32_t> seen = take(l, 5);
    EXPECT_NE(seen, shard);  // shuffled
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, shard);
  }
  // batch == shard size: one batch per epoch.
  BatchLoader whole(shard, 60, 3, 0);
  EXPECT_EQ(whole.batches_per_epoch(), 1u);
  take(whole, 2);
  EXPECT_EQ(whole.epoch(), 2u);
}

TEST(BatchLoader, StreamDependsOnlyOnShardBatchSeedAndWorker) {
  const auto shard = odd_shard(50);
  BatchLoader a(shard, 7, 5, 1);
  BatchLoader b(shard, 7, 5, 1);
  BatchLoader other_seed(shard, 7, 6, 1);
  BatchLoader other_worker(shard, 7, 5, 2);
  const auto sa = take(a, 30);
  EXPECT_EQ(sa, take(b, 30));
  EXPECT_NE(sa, take(other_seed, 30));
  EXPECT_NE(sa, take(other_worker, 30));
}

TEST(BatchLoader, BatchesReuseOneBuffer) {
  // No allocation per batch: every batch is a view into the storage made at construction.
  const auto shard = odd_shard(40);
  BatchLoader l(shard, 8, 1, 0);
  const std::uint32_t* base = l.next_batch().data();
  for (int i = 1; i < 20; ++i) {  // 4 epochs
    const auto b = l.next_batch();
    EXPECT_EQ(b.data(), base + (i % 5) * 8);
  }
}

TEST(BatchLoader, SaveLoadResumesIdentically) {
  const auto shard = odd_shard(103);
  for (std::size_t before : {0u, 3u, 10u, 13u, 29u}) {
    BatchLoader a(shard, 10, 21, 4);
    take(a, before);
    StateWriter w;
    a.save(w);
    // The resumed loader has been elsewhere before loading: load must not depend on that.
    BatchLoader b(shard, 10, 21, 4);
    take(b, 17);
    StateReader r(w.bytes(), "loader checkpoint");
    b.load(r);
    r.expect_end();
    EXPECT_EQ(b.epoch(), a.epoch());
    EXPECT_EQ(b.position(), a.position());
    EXPECT_EQ(take(a, 25), take(b, 25)) << "after " << before << " batches";
  }
}

TEST(BatchLoader, LoadRejectsAnotherLoadersCheckpoint) {
  const auto shard = odd_shard(30);
  BatchLoader a(shard, 5, 1, 0);
  take(a, 2);
  StateWriter w;
  a.save(w);
  auto load_into = [&](BatchLoader l) -> std::string {
    StateReader r(w.bytes(), "ckpt");
    try {
      l.load(r);
    } catch (const DataError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error";
    return "";
  };
  EXPECT_THAT(load_into(BatchLoader(shard, 6, 1, 0)), HasSubstr("loader.batch"));
  EXPECT_THAT(load_into(BatchLoader(shard, 5, 2, 0)), HasSubstr("loader.seed"));
  EXPECT_THAT(load_into(BatchLoader(shard, 5, 1, 3)), HasSubstr("loader.worker"));
  EXPECT_THAT(load_into(BatchLoader(odd_shard(31), 5, 1, 0)), HasSubstr("loader.shard_size"));
  auto moved = shard;
  moved[0] = 0;  // same size, other indices
  EXPECT_THAT(load_into(BatchLoader(moved, 5, 1, 0)), HasSubstr("loader.shard_hash"));
  // A truncated checkpoint is a DataError from the reader.
  const std::vector<std::uint8_t> cut(w.bytes().begin(), w.bytes().end() - 3);
  StateReader r(cut, "cut");
  BatchLoader c(shard, 5, 1, 0);
  EXPECT_THROW(c.load(r), DataError);
}

TEST(BatchLoader, BatchLargerThanShardNamesBatchWorkerAndShard) {
  const auto shard = odd_shard(10);
  try {
    BatchLoader l(shard, 11, 0, 3);
    ADD_FAILURE() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("batch size 11"));
    EXPECT_THAT(e.what(), HasSubstr("worker 3"));
    EXPECT_THAT(e.what(), HasSubstr("10 samples"));
  }
  EXPECT_THROW(BatchLoader(shard, 0, 0, 0), InvalidArgument);
  EXPECT_THROW(BatchLoader(std::vector<std::uint32_t>{}, 1, 0, 0), InvalidArgument);
  EXPECT_NO_THROW(BatchLoader(shard, 10, 0, 3));
}

}  // namespace
}  // namespace dcopt

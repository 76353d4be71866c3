#include "dcopt/data/shard_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kFashion = "/usr/share/datasets/fashion-mnist";

// Shards are non-empty, sorted, disjoint, and together hold every index 0..n-1.
void expect_partition(const Shards& s, std::size_t samples, std::size_t workers) {
  ASSERT_EQ(s.size(), workers);
  std::vector<int> seen(samples, 0);
  for (std::size_t w = 0; w < workers; ++w) {
    EXPECT_FALSE(s[w].empty()) << "worker " << w;
    EXPECT_TRUE(std::is_sorted(s[w].begin(), s[w].end())) << "worker " << w;
    for (std::uint32_t i : s[w]) {
      ASSERT_LT(i, samples);
      ++seen[i];
    }
  }
  for (std::size_t i = 0; i < samples; ++i) ASSERT_EQ(seen[i], 1) << "index " << i;
}

std::set<std::int64_t> classes_of(const std::vector<std::uint32_t>& shard,
                                  const std::vector<std::int64_t>& labels) {
  std::set<std::int64_t> c;
  for (std::uint32_t i : shard) c.insert(labels[i]);
  return c;
}

TEST(ShardPlan, IidPartitionsWithSizesWithinOne) {
  for (std::size_t n : {1u, 7u, 10u, 64u}) {
    const std::vector<std::int64_t> labels(10003, 0);
    const Shards s = plan_shards(labels, n, {ShardKind::iid, 2, 5});
    expect_partition(s, labels.size(), n);
    std::size_t lo = s[0].size(), hi = s[0].size();
    for (const auto& w : s) {
      lo = std::min(lo, w.size());
      hi = std::max(hi, w.size());
    }
    EXPECT_LE(hi - lo, 1u) << n << " workers";
    EXPECT_EQ(lo, 10003 / n);
  }
  // As many workers as samples: one sample each.
  const Shards one = plan_shards(std::vector<std::int64_t>(9, 0), 9, {ShardKind::iid, 2, 1});
  expect_partition(one, 9, 9);
}

TEST(ShardPlan, IidIsDeterministicBySeedAndShuffled) {
  const std::vector<std::int64_t> labels(5000, 3);
  const Shards a = plan_shards(labels, 8, {ShardKind::iid, 2, 42});
  EXPECT_EQ(a, plan_shards(labels, 8, {ShardKind::iid, 2, 42}));
  EXPECT_NE(a, plan_shards(labels, 8, {ShardKind::iid, 2, 43}));
  // Not the contiguous blocks: worker 0 does not hold exactly 0..624.
  EXPECT_NE(a[0].back(), 624u);
}

TEST(ShardPlan, LabelSkewFollowsTheDefinitionOnAHandExample) {
  // Stable sort by label: 1 3 | 2 5 | 0 4 (labels 0 0 | 1 1 | 2 2); n = 3, k = 1: each worker
  // gets one whole chunk, so the shards are exactly these sets in some order.
  const std::vector<std::int64_t> labels = {2, 0, 1, 0, 2, 1};
  const Shards s = plan_shards(labels, 3, {ShardKind::label_skew, 1, 9});
  expect_partition(s, 6, 3);
  std::vector<std::vector<std::uint32_t>> got = s;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::vector<std::uint32_t>>{{0, 4}, {1, 3}, {2, 5}}));
  // 7 samples, 3 chunks: sizes 3, 2, 2 (the first N mod chunks chunks are one larger); sorted
  // order 1 3 6 | 2 5 | 0 4 for labels 2 0 1 0 2 1 0.
  const std::vector<std::int64_t> seven = {2, 0, 1, 0, 2, 1, 0};
  std::vector<std::vector<std::uint32_t>> got7 =
      plan_shards(seven, 3, {ShardKind::label_skew, 1, 9});
  std::sort(got7.begin(), got7.end());
  EXPECT_EQ(got7, (std::vector<std::vector<std::uint32_t>>{{0, 4}, {1, 3, 6}, {2, 5}}));
}

TEST(ShardPlan, LabelSkewOnFashionMnistGivesAtMostKClasses) {
  const ImageDataset ds = read_image_dataset(kFashion, "test");
  // Fashion-MNIST test has 1000 images per class; these n*k divide 10000 into chunks whose size
  // divides 1000, so every chunk is a single class.
  struct Case {
    std::size_t n, k;
  };
  for (Case c : {Case{10, 2}, Case{5, 2}, Case{20, 1}, Case{100, 2}, Case{8, 5}}) {
    const Shards s = plan_shards(ds, c.n, {ShardKind::label_skew, c.k, 1});
    expect_partition(s, ds.count, c.n);
    std::size_t max_classes = 0;
    for (std::size_t w = 0; w < c.n; ++w) {
      EXPECT_EQ(s[w].size(), 10000 / c.n);
      const std::size_t k = classes_of(s[w], ds.labels).size();
      EXPECT_LE(k, c.k) << "worker " << w << " of " << c.n;
      max_classes = std::max(max_classes, k);
    }
    EXPECT_GE(max_classes, 1u);
  }
  // The same count check tells the schemes apart: iid workers see all 10 classes.
  const Shards iid = plan_shards(ds, 10, {ShardKind::iid, 2, 1});
  for (const auto& w : iid) EXPECT_EQ(classes_of(w, ds.labels).size(), 10u);
  // Chunks not aligned with classes (6 chunks of 1666 or 1667): still a partition.
  expect_partition(plan_shards(ds, 3, {ShardKind::label_skew, 2, 1}), ds.count, 3);
}

TEST(ShardPlan, LabelSkewIsDeterministicBySeed) {
  const ImageDataset ds = read_image_dataset(kFashion, "test", 2000);
  const ShardOptions a{ShardKind::label_skew, 2, 7};
  const ShardOptions b{ShardKind::label_skew, 2, 8};
  EXPECT_EQ(plan_shards(ds, 10, a), plan_shards(ds, 10, a));
  EXPECT_NE(plan_shards(ds, 10, a), plan_shards(ds, 10, b));
}

TEST(ShardPlan, EmptyShardsAndBadNamesAreRejected) {
  const std::vector<std::int64_t> labels(10, 0);
  auto error = [&](std::size_t n, ShardOptions o) -> std::string {
    try {
      plan_shards(labels, n, o);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    ADD_FAILURE() << n << " workers";
    return "";
  };
  EXPECT_THAT(error(11, {ShardKind::iid, 2, 0}), HasSubstr("10 samples"));
  EXPECT_THAT(error(11, {ShardKind::iid, 2, 0}), HasSubstr("11 workers"));
  EXPECT_THAT(error(6, {ShardKind::label_skew, 2, 0}), HasSubstr("expected at least 12 samples"));
  EXPECT_THAT(error(0, {ShardKind::iid, 2, 0}), HasSubstr("0 workers"));
  EXPECT_THAT(error(2, {ShardKind::label_skew, 0, 0}), HasSubstr("classes_per_worker is 0"));
  EXPECT_NO_THROW(plan_shards(labels, 5, {ShardKind::label_skew, 2, 0}));

  EXPECT_EQ(parse_shard_kind("iid"), ShardKind::iid);
  EXPECT_EQ(parse_shard_kind("label_skew"), ShardKind::label_skew);
  try {
    parse_shard_kind("dirichlet");
    ADD_FAILURE() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("'dirichlet'"));
    EXPECT_THAT(e.what(), HasSubstr("iid or label_skew"));
  }
}

}  // namespace
}  // namespace dcopt

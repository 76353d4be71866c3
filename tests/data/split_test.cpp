#include "dcopt/data/split.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "dcopt/core/error.hpp"
#include "dcopt/data/libsvm_reader.hpp"

namespace dcopt {
namespace {

// Shards are sorted, disjoint, and their sizes follow the remainder rule.
void expect_valid(const Shards& s, std::size_t rows, std::size_t n, Remainder r) {
  ASSERT_EQ(s.size(), n);
  std::set<std::uint32_t> seen;
  std::size_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t want = rows / n + (r == Remainder::spread && i < rows % n ? 1 : 0);
    EXPECT_EQ(s[i].size(), want) << "worker " << i;
    EXPECT_TRUE(std::is_sorted(s[i].begin(), s[i].end()));
    for (auto row : s[i]) {
      EXPECT_LT(row, rows);
      EXPECT_TRUE(seen.insert(row).second) << "row " << row << " in two shards";
    }
    total += s[i].size();
  }
  EXPECT_EQ(total, r == Remainder::drop ? n * (rows / n) : rows);
}

TEST(Split, ContiguousMatchesMarinaReference) {
  const Shards s = split_contiguous(8124, 5);
  expect_valid(s, 8124, 5, Remainder::drop);
  EXPECT_EQ(s[0].front(), 0u);
  EXPECT_EQ(s[1].front(), 1624u);
  EXPECT_EQ(s[4].back(), 8119u);  // rows 8120..8123 dropped
  const Shards k = split_contiguous(8124, 5, Remainder::spread);
  expect_valid(k, 8124, 5, Remainder::spread);
  EXPECT_EQ(k[4].back(), 8123u);
  EXPECT_EQ(k[1].front(), 1625u);
}

TEST(Split, RandomIsDeterministicBySeed) {
  for (Remainder r : {Remainder::drop, Remainder::spread}) {
    const Shards a = split_random(1003, 7, 42, r);
    expect_valid(a, 1003, 7, r);
    EXPECT_EQ(a, split_random(1003, 7, 42, r));
    EXPECT_NE(a, split_random(1003, 7, 43, r));
    EXPECT_NE(a, split_contiguous(1003, 7, r));
  }
}

TEST(Split, LabelSkewGivesWorkersOneLabelMostly) {
  const Dataset ds = read_libsvm(std::string(DCOPT_SHARED_DATA) + "/libsvm/mushrooms");
  SplitOptions opt;
  opt.kind = SplitKind::label_skew;
  const Shards s = split_rows(ds, 4, opt);
  expect_valid(s, ds.num_rows(), 4, Remainder::drop);
  // 3916 rows of -1 then 4208 of +1, 2031 per worker: workers 0 and 3 are pure, and only
  // worker 1 holds both classes.
  auto count_pos = [&](const std::vector<std::uint32_t>& rows) {
    return std::count_if(rows.begin(), rows.end(), [&](auto r) { return ds.labels[r] == 1.0; });
  };
  EXPECT_EQ(count_pos(s[0]), 0);
  EXPECT_EQ(count_pos(s[1]), 2031 * 2 - 3916);
  EXPECT_EQ(count_pos(s[2]), 2031);
  EXPECT_EQ(count_pos(s[3]), 2031);
}

TEST(Split, RejectsBadWorkerCounts) {
  EXPECT_THROW(split_contiguous(10, 0), InvalidArgument);
  EXPECT_THROW(split_contiguous(10, 11), InvalidArgument);
  EXPECT_THROW(split_random(0, 1, 1), InvalidArgument);
  EXPECT_NO_THROW(split_contiguous(10, 10));
  EXPECT_EQ(parse_split_kind("random"), SplitKind::random);
  EXPECT_THROW(parse_split_kind("shuffle"), InvalidArgument);
}

}  // namespace
}  // namespace dcopt

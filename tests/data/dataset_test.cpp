#include "dcopt/data/dataset.hpp"

#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"
#include "dcopt/data/libsvm_reader.hpp"

namespace dcopt {
namespace {

TEST(Dataset, SubsetAndLeadingConstant) {
  LibsvmOptions keep;
  keep.binary = false;
  const Dataset ds = parse_libsvm("1 1:2 3:4\n2\n3 2:5\n", "<string>", keep);
  const std::vector<std::uint32_t> rows = {2, 0, 2};
  const Dataset sub = ds.subset(rows);
  sub.check();
  EXPECT_EQ(sub.labels, (std::vector<double>{3, 1, 3}));
  EXPECT_EQ(sub.row_ptr, (std::vector<std::uint64_t>{0, 1, 3, 4}));
  EXPECT_EQ(sub.col_idx, (std::vector<std::uint32_t>{1, 0, 2, 1}));
  EXPECT_EQ(sub.num_features, 3u);
  const std::vector<std::uint32_t> bad = {3};
  EXPECT_THROW(ds.subset(bad), InvalidArgument);

  const Dataset b = ds.with_leading_constant();
  b.check();
  EXPECT_EQ(b.num_features, 4u);
  EXPECT_EQ(b.row_ptr, (std::vector<std::uint64_t>{0, 3, 4, 6}));
  EXPECT_EQ(b.col_idx, (std::vector<std::uint32_t>{0, 1, 3, 0, 0, 2}));
  EXPECT_EQ(b.values, (std::vector<double>{1, 2, 4, 1, 1, 5}));
  EXPECT_EQ(b.row(2).values[1], 5.0);
}

TEST(Dataset, CheckFindsBrokenInvariants) {
  Dataset ds = parse_libsvm("1 1:2 3:4\n-1 2:1\n", "<string>");
  ds.check();
  Dataset unsorted = ds;
  unsorted.col_idx[1] = 0;
  EXPECT_THROW(unsorted.check(), DataError);
  Dataset narrow = ds;
  narrow.num_features = 2;
  EXPECT_THROW(narrow.check(), DataError);
}

}  // namespace
}  // namespace dcopt

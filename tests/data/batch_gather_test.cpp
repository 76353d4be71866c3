#include "dcopt/data/batch_gather.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

// 5 samples of 2 channels of 2x3: value at (i, c, r, k) = 100 i + 10 c + 3 r + k, label 7 i.
ImageDataset small() {
  ImageDataset ds;
  ds.count = 5;
  ds.channels = 2;
  ds.rows = 2;
  ds.cols = 3;
  ds.classes = 29;
  ds.name = "small";
  for (int i = 0; i < 5; ++i) {
    for (int c = 0; c < 2; ++c) {
      for (int r = 0; r < 2; ++r) {
        for (int k = 0; k < 3; ++k)
          ds.pixels.push_back(static_cast<float>(100 * i + 10 * c + 3 * r + k));
      }
    }
    ds.labels.push_back(7 * i);
  }
  return ds;
}

TEST(GatherBatch, CopiesTheIndexedSamplesInOrder) {
  const ImageDataset ds = small();
  const std::vector<std::uint32_t> idx = {4, 0, 4, 2};
  std::vector<float> px(idx.size() * 12, -1.0f);
  std::vector<std::int64_t> y(idx.size(), -1);
  gather_batch(ds, idx, px, y);
  EXPECT_EQ(y, (std::vector<std::int64_t>{28, 0, 28, 14}));
  for (std::size_t j = 0; j < idx.size(); ++j) {
    for (int c = 0; c < 2; ++c) {
      for (int r = 0; r < 2; ++r) {
        for (int k = 0; k < 3; ++k) {
          EXPECT_EQ(px[j * 12 + c * 6 + r * 3 + k],
                    static_cast<float>(100 * idx[j] + 10 * c + 3 * r + k))
              << j << " " << c << " " << r << " " << k;
        }
      }
    }
  }
  // An empty batch touches nothing.
  gather_batch(ds, {}, {}, {});
}

TEST(GatherBatch, RejectsWrongSizesAndIndices) {
  const ImageDataset ds = small();
  const std::vector<std::uint32_t> idx = {1, 3};
  std::vector<float> px(24);
  std::vector<std::int64_t> y(2);
  std::vector<float> short_px(23);
  std::vector<std::int64_t> long_y(3);
  EXPECT_THROW(gather_batch(ds, idx, short_px, y), InvalidArgument);
  EXPECT_THROW(gather_batch(ds, idx, px, long_y), InvalidArgument);
  const std::vector<std::uint32_t> bad = {1, 5};
  try {
    gather_batch(ds, bad, px, y);
    ADD_FAILURE() << "no error for index 5 of 5 samples";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("index 5"));
  }
}

}  // namespace
}  // namespace dcopt

#include "dcopt/data/idx_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kFashion = "/usr/share/datasets/fashion-mnist";

// A temporary directory for hand-made IDX files, removed at the end of the test.
class IdxFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dcopt_idx_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write_plain(const std::string& name, const std::vector<std::uint8_t>& b) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return p;
  }
  std::filesystem::path write_gz(const std::string& name, const std::vector<std::uint8_t>& b) {
    const auto p = dir_ / name;
    gzFile f = gzopen(p.string().c_str(), "wb");
    gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
    gzclose(f);
    return p;
  }
  std::string error_of_images(const std::filesystem::path& p) {
    try {
      read_idx_images(p);
    } catch (const DataError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error for " << p;
    return "";
  }

  std::filesystem::path dir_;
};

std::vector<std::uint8_t> be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::vector<std::uint8_t> images_file(std::uint32_t n, std::uint32_t r, std::uint32_t c,
                                      std::size_t payload) {
  std::vector<std::uint8_t> b = {0, 0, 8, 3};
  for (std::uint32_t v : {n, r, c}) {
    auto x = be32(v);
    b.insert(b.end(), x.begin(), x.end());
  }
  for (std::size_t i = 0; i < payload; ++i) b.push_back(static_cast<std::uint8_t>(i * 37));
  return b;
}

TEST_F(IdxFiles, PlainAndGzipReadTheSame) {
  const auto bytes = images_file(3, 2, 2, 12);
  const IdxImages a = read_idx_images(write_plain("a.idx", bytes));
  const IdxImages b = read_idx_images(write_gz("b.idx.gz", bytes));
  EXPECT_EQ(a.count, 3u);
  EXPECT_EQ(a.rows, 2u);
  EXPECT_EQ(a.cols, 2u);
  EXPECT_EQ(a.pixels, std::vector<std::uint8_t>(bytes.begin() + 16, bytes.end()));
  EXPECT_EQ(a.pixels, b.pixels);
}

TEST_F(IdxFiles, RejectsBadFiles) {
  auto bad_magic = images_file(1, 2, 2, 4);
  bad_magic[2] = 0x0D;  // float data
  EXPECT_THAT(error_of_images(write_plain("m.idx", bad_magic)), HasSubstr("expected 0x00000803"));
  auto labels_as_images = images_file(1, 2, 2, 4);
  labels_as_images[3] = 1;
  EXPECT_THAT(error_of_images(write_plain("l.idx", labels_as_images)), HasSubstr("magic"));
  EXPECT_THAT(error_of_images(write_gz("t.idx.gz", images_file(3, 2, 2, 11))),
              HasSubstr("promises 12 data bytes, found 11"));
  EXPECT_THAT(error_of_images(write_plain("x.idx", images_file(3, 2, 2, 13))),
              HasSubstr("trailing bytes"));
  EXPECT_THAT(error_of_images(write_plain("z.idx", images_file(3, 0, 2, 0))),
              HasSubstr("dimension 2 is 0"));
  EXPECT_THAT(error_of_images(write_plain("h.idx", {0, 0, 8, 3, 0, 0})),
              HasSubstr("truncated header"));
  EXPECT_THAT(error_of_images(write_plain("e.idx", {})), HasSubstr("magic number"));
  // A header promising 2^34+ bytes is refused before any allocation.
  EXPECT_THAT(error_of_images(write_plain("big.idx", images_file(0xFFFFFFFF, 0xFFFF, 2, 0))),
              HasSubstr("more than 2^34"));
  const std::string msg = error_of_images(dir_ / "missing.idx");
  EXPECT_THAT(msg, HasSubstr("missing.idx"));
}

TEST(IdxToDataset, ScalesPixelsAndMapsTasks) {
  IdxImages im;
  im.count = 4;
  im.rows = 1;
  im.cols = 3;
  im.pixels = {0, 255, 51, 0, 0, 0, 255, 255, 255, 10, 0, 0};
  const std::vector<std::uint8_t> labels = {3, 5, 7, 3};
  Dataset all = idx_to_dataset(im, labels);
  all.check();
  EXPECT_EQ(all.num_features, 3u);
  EXPECT_EQ(all.labels, (std::vector<double>{3, 5, 7, 3}));
  EXPECT_EQ(all.row_ptr, (std::vector<std::uint64_t>{0, 2, 2, 5, 6}));
  EXPECT_DOUBLE_EQ(all.values[0], 1.0);
  EXPECT_DOUBLE_EQ(all.values[1], 0.2);

  Dataset rest = idx_to_dataset(im, labels, IdxBinaryTask{{3}, {}});
  EXPECT_EQ(rest.labels, (std::vector<double>{1, -1, -1, 1}));
  Dataset pair = idx_to_dataset(im, labels, IdxBinaryTask{{7}, {3}});
  EXPECT_EQ(pair.labels, (std::vector<double>{-1, 1, -1}));
  EXPECT_EQ(pair.num_rows(), 3u);  // the class-5 row is dropped
  EXPECT_THROW(idx_to_dataset(im, labels, IdxBinaryTask{{3}, {3}}), InvalidArgument);
  EXPECT_THROW(idx_to_dataset(im, std::vector<std::uint8_t>{1, 2}), DataError);
}

TEST(FashionMnist, TrainSetShapeAndBalancedLabels) {
  const auto images = read_idx_images(kFashion / "train-images-idx3-ubyte.gz");
  const auto labels = read_idx_labels(kFashion / "train-labels-idx1-ubyte.gz");
  EXPECT_EQ(images.count, 60000u);
  EXPECT_EQ(images.rows * images.cols, 784u);
  ASSERT_EQ(labels.size(), 60000u);
  std::vector<std::size_t> counts(256, 0);
  for (auto l : labels) ++counts[l];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(counts[c], 6000u) << "class " << c;
  const Dataset ds = idx_to_dataset(images, labels, IdxBinaryTask{{0}, {}});
  ds.check();
  EXPECT_EQ(ds.num_rows(), 60000u);
  EXPECT_EQ(ds.num_features, 784u);
  std::size_t pos = 0;
  for (double y : ds.labels) pos += y == 1.0;
  EXPECT_EQ(pos, 6000u);
  for (double v : ds.values) ASSERT_TRUE(v > 0.0 && v <= 1.0);
}

TEST(FashionMnist, TestSetViaReadIdxDataset) {
  const Dataset ds =
      read_idx_dataset(kFashion / "t10k-images-idx3-ubyte.gz",
                       kFashion / "t10k-labels-idx1-ubyte.gz", IdxBinaryTask{{1}, {7}});
  EXPECT_EQ(ds.num_rows(), 2000u);  // 1000 test images per class
  EXPECT_EQ(ds.name, "t10k-images-idx3-ubyte.gz");
}

}  // namespace
}  // namespace dcopt

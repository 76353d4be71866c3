#include "dcopt/data/image_dataset.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kFashion = "/usr/share/datasets/fashion-mnist";

// The first `n` decompressed bytes of a file of the Debian package, read independently of
// the code under test.
std::vector<std::uint8_t> raw_prefix(const std::string& name, std::size_t n) {
  gzFile f = gzopen((kFashion / name).string().c_str(), "rb");
  EXPECT_NE(f, nullptr) << name;
  std::vector<std::uint8_t> b(n);
  const int got = gzread(f, b.data(), static_cast<unsigned>(n));
  gzclose(f);
  EXPECT_EQ(got, static_cast<int>(n)) << name;
  return b;
}

// A fresh directory for hand-made dataset files, removed at the end of the test.
class ImageDatasetFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string leaf = "dcopt_image_dataset_test_";
    leaf += std::to_string(::getpid());
    leaf += "_";
    leaf += ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = std::filesystem::temp_directory_path() / leaf;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::vector<std::uint8_t>& b) {
    std::ofstream(dir_ / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }

  std::filesystem::path dir_;
};

std::vector<std::uint8_t> be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// An idx3 file of n images of r x c bytes with `payload` data bytes (pixel k = k*37 mod 256).
std::vector<std::uint8_t> images_file(std::uint32_t n, std::uint32_t r, std::uint32_t c,
                                      std::size_t payload) {
  std::vector<std::uint8_t> b = {0, 0, 8, 3};
  for (std::uint32_t v : {n, r, c}) {
    const auto x = be32(v);
    b.insert(b.end(), x.begin(), x.end());
  }
  for (std::size_t k = 0; k < payload; ++k) b.push_back(static_cast<std::uint8_t>(k * 37));
  return b;
}

std::vector<std::uint8_t> labels_file(const std::vector<std::uint8_t>& labels) {
  std::vector<std::uint8_t> b = {0, 0, 8, 1};
  const auto x = be32(static_cast<std::uint32_t>(labels.size()));
  b.insert(b.end(), x.begin(), x.end());
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

TEST(ImageDataset, FashionMnistTestSplitLoads) {
  const ImageDataset ds = read_image_dataset(kFashion, "test");
  EXPECT_EQ(ds.count, 10000u);
  EXPECT_EQ(ds.channels, 1u);
  EXPECT_EQ(ds.rows, 28u);
  EXPECT_EQ(ds.cols, 28u);
  EXPECT_EQ(ds.sample_size(), 784u);
  EXPECT_EQ(ds.classes, 10u);
  EXPECT_EQ(ds.name, "fashion-mnist/test");
  ASSERT_EQ(ds.pixels.size(), 10000u * 784u);
  ASSERT_EQ(ds.labels.size(), 10000u);
  // The test split is balanced: 1000 images of each of the 10 classes.
  std::vector<int> per_class(10, 0);
  for (std::int64_t y : ds.labels) {
    ASSERT_GE(y, 0);
    ASSERT_LT(y, 10);
    ++per_class[static_cast<std::size_t>(y)];
  }
  EXPECT_EQ(per_class, std::vector<int>(10, 1000));
  EXPECT_TRUE(std::all_of(ds.pixels.begin(), ds.pixels.end(),
                          [](float v) { return v >= 0.0f && v <= 1.0f; }));

  // t10k-labels-idx1-ubyte starts with the magic 00 00 08 01 and the count 00 00 27 10 (10000);
  // byte 8 is the first label, 0x09: class 9, "Ankle boot" in Fashion-MNIST's class list
  // (0 T-shirt/top ... 9 Ankle boot). Checked here from the file itself, not from memory.
  const auto raw_labels = raw_prefix("t10k-labels-idx1-ubyte.gz", 9);
  EXPECT_EQ(raw_labels[4 + 3], 0x10);
  EXPECT_EQ(raw_labels[8], 9);
  EXPECT_EQ(ds.labels[0], 9);
  // Pixels are the bytes after the 16-byte idx3 header, divided by 255.
  const auto raw_images = raw_prefix("t10k-images-idx3-ubyte.gz", 16 + 2 * 784);
  for (std::size_t k = 0; k < 2 * 784; ++k) {
    ASSERT_EQ(ds.pixels[k], static_cast<float>(raw_images[16 + k]) / 255.0f) << k;
  }
}

TEST(ImageDataset, LimitKeepsTheFirstImages) {
  const ImageDataset all = read_image_dataset(kFashion, "test");
  const ImageDataset some = read_image_dataset(kFashion, "test", 100);
  EXPECT_EQ(some.count, 100u);
  EXPECT_EQ(some.classes, 10u);  // from the whole label file, not the 100 kept
  ASSERT_EQ(some.pixels.size(), 100u * 784u);
  EXPECT_TRUE(std::equal(some.pixels.begin(), some.pixels.end(), all.pixels.begin()));
  EXPECT_TRUE(std::equal(some.labels.begin(), some.labels.end(), all.labels.begin()));
  EXPECT_EQ(read_image_dataset(kFashion, "test", 10000).pixels, all.pixels);
  EXPECT_THAT(error_of<InvalidArgument>([] { read_image_dataset(kFashion, "test", 10001); }),
              HasSubstr("limit 10001 exceeds the 10000 images"));
  // The train split: 60000 images; its labels file's first label byte is 0x09 too.
  const ImageDataset train = read_image_dataset(kFashion, "train", 500);
  EXPECT_EQ(train.count, 500u);
  EXPECT_EQ(train.labels.size(), 500u);
  EXPECT_EQ(train.labels[0], raw_prefix("train-labels-idx1-ubyte.gz", 9)[8]);
  EXPECT_EQ(train.name, "fashion-mnist/train");
  EXPECT_THAT(error_of<InvalidArgument>([] { read_image_dataset(kFashion, "validation"); }),
              HasSubstr("expected train or test"));
}

// After normalization with its own statistics a dataset has mean 0 and std 1 up to float
// rounding: each value is rounded once from double to float (relative error <= 2^-24) and
// |z| <= (1 - 0.29) / 0.35 < 2.1, so each value moves by < 1.3e-7; the mean and the std
// (a norm of the values) move by no more than that. Summation in double over 7.84e6 values adds
// < 1e-9. A tolerance of 1e-6 leaves margin and still fails for any wrong formula (not
// subtracting the mean leaves a mean of ~0.8).
TEST(ImageDataset, NormalizationGivesMeanZeroStdOne) {
  ImageDataset ds = read_image_dataset(kFashion, "test");
  const Normalization n = compute_normalization(ds);
  // Fashion-MNIST's widely quoted statistics are 0.2860 / 0.3530 on the train split; the test
  // split is close to them.
  EXPECT_NEAR(n.mean, 0.286, 0.005);
  EXPECT_NEAR(n.std, 0.353, 0.005);
  const float first = ds.pixels[200];
  normalize(ds, n);
  EXPECT_FLOAT_EQ(ds.pixels[200], static_cast<float>((first - n.mean) / n.std));
  const Normalization after = compute_normalization(ds);
  EXPECT_NEAR(after.mean, 0.0, 1e-6);
  EXPECT_NEAR(after.std, 1.0, 1e-6);

  EXPECT_THROW(normalize(ds, Normalization{0.0, 0.0}), InvalidArgument);
  EXPECT_THROW(normalize(ds, Normalization{std::nan(""), 1.0}), InvalidArgument);
  EXPECT_THROW(compute_normalization(ImageDataset{}), InvalidArgument);
}

TEST(ImageDataset, MissingDirectoryNamesThePathAndThePackage) {
  const std::string msg =
      error_of<DataError>([] { read_image_dataset("/nonexistent/dcopt/fmnist", "test"); });
  EXPECT_THAT(msg, HasSubstr("/nonexistent/dcopt/fmnist/t10k-images-idx3-ubyte.gz"));
  EXPECT_THAT(msg, HasSubstr("/nonexistent/dcopt/fmnist/t10k-images-idx3-ubyte'"));
  EXPECT_THAT(msg, HasSubstr("does not exist"));
  EXPECT_THAT(msg, HasSubstr("dataset-fashion-mnist"));
}

TEST_F(ImageDatasetFiles, MissingLabelFileNamesItsPath) {
  write("train-images-idx3-ubyte", images_file(3, 2, 2, 12));
  const std::string msg = error_of<DataError>([&] { read_image_dataset(dir_, "train"); });
  EXPECT_THAT(msg, HasSubstr((dir_ / "train-labels-idx1-ubyte.gz").string()));
  EXPECT_THAT(msg, HasSubstr("dataset-fashion-mnist"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("does not exist")));
}

TEST_F(ImageDatasetFiles, PlainFileNamesAreRead) {
  write("train-images-idx3-ubyte", images_file(3, 2, 2, 12));
  write("train-labels-idx1-ubyte", labels_file({4, 0, 2}));
  const ImageDataset ds = read_image_dataset(dir_, "train");
  EXPECT_EQ(ds.count, 3u);
  EXPECT_EQ(ds.rows, 2u);
  EXPECT_EQ(ds.cols, 2u);
  EXPECT_EQ(ds.classes, 5u);
  EXPECT_EQ(ds.labels, (std::vector<std::int64_t>{4, 0, 2}));
  EXPECT_EQ(ds.pixels[5], static_cast<float>(5 * 37 % 256) / 255.0f);
}

TEST_F(ImageDatasetFiles, TruncatedFileIsADataError) {
  // 3 images of 2x2 promised, 5 of 12 bytes present.
  write("t10k-images-idx3-ubyte", images_file(3, 2, 2, 5));
  write("t10k-labels-idx1-ubyte", labels_file({1, 2, 3}));
  const std::string msg = error_of<DataError>([&] { read_image_dataset(dir_, "test"); });
  EXPECT_THAT(msg, HasSubstr((dir_ / "t10k-images-idx3-ubyte").string()));
  EXPECT_THAT(msg, HasSubstr("truncated"));
}

TEST_F(ImageDatasetFiles, TruncatedGzipIsADataError) {
  // The real compressed test images, cut after 100 kB of their 4.4 MB.
  std::ifstream in(kFashion / "t10k-images-idx3-ubyte.gz", std::ios::binary);
  std::vector<std::uint8_t> head(100000);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  ASSERT_EQ(in.gcount(), 100000);
  write("t10k-images-idx3-ubyte.gz", head);
  write("t10k-labels-idx1-ubyte", labels_file(std::vector<std::uint8_t>(10000, 1)));
  const std::string msg = error_of<DataError>([&] { read_image_dataset(dir_, "test"); });
  EXPECT_THAT(msg, HasSubstr((dir_ / "t10k-images-idx3-ubyte.gz").string()));
}

TEST_F(ImageDatasetFiles, LabelCountMismatchIsADataError) {
  write("t10k-images-idx3-ubyte", images_file(3, 2, 2, 12));
  write("t10k-labels-idx1-ubyte", labels_file({1, 2}));
  const std::string msg = error_of<DataError>([&] { read_image_dataset(dir_, "test"); });
  EXPECT_THAT(msg, HasSubstr("3 images"));
  EXPECT_THAT(msg, HasSubstr("2 labels"));
}

}  // namespace
}  // namespace dcopt

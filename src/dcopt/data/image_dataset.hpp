#pragma once
// Dense float samples with integer class labels, for network training: images in NCHW order
// (sample after sample, channel after channel, row-major), ready to be wrapped as a tensor
// without copying. The same struct holds plain feature vectors for an MLP: an MLP flattens each
// sample to channels*rows*cols values, and a non-image feature vector of length d is stored as
// channels = rows = 1, cols = d.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dcopt {

struct ImageDataset {
  std::size_t count = 0;     ///< number of samples
  std::size_t channels = 0;  ///< 1 for the MNIST family
  std::size_t rows = 0;
  std::size_t cols = 0;
  /// count * channels * rows * cols values, NCHW. Read images are byte/255 in [0,1] until
  /// normalize() maps them to (x - mean) / std.
  std::vector<float> pixels;
  std::vector<std::int64_t> labels;  ///< count class numbers in [0, classes)
  std::size_t classes = 0;
  std::string name;  ///< e.g. "fashion-mnist/test" (directory name / split)

  /// Values per sample: channels * rows * cols.
  std::size_t sample_size() const { return channels * rows * cols; }
};

/// Reads one split of an MNIST-family dataset (MNIST, Fashion-MNIST, ...) from `dir`:
/// split "train" reads train-images-idx3-ubyte and train-labels-idx1-ubyte, split "test" reads
/// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each with a ".gz" suffix or without (the
/// ".gz" name is tried first). `limit` > 0 keeps only the first `limit` images (0 keeps all);
/// a limit above the file's count is an InvalidArgument. channels = 1; pixels byte/255;
/// classes = largest label in the whole label file + 1 (so a small limit does not change it).
/// Errors: an unknown split is an InvalidArgument; a missing file a DataError naming the paths
/// tried (Fashion-MNIST: Debian's package dataset-fashion-mnist installs it in
/// /usr/share/datasets/fashion-mnist); a malformed or truncated file, or label and image counts
/// that differ, a DataError naming the file.
ImageDataset read_image_dataset(const std::filesystem::path& dir, std::string_view split,
                                std::size_t limit = 0);

/// Per-dataset pixel statistics; the trainer computes them on the train split and applies them
/// to both splits, so test data sees the same transform.
struct Normalization {
  double mean = 0.0;
  double std = 1.0;  ///< population standard deviation (divides by the number of pixels)
};

/// Mean and standard deviation over all pixels of all samples (one value for all channels),
/// accumulated in double. Throws InvalidArgument on an empty dataset.
Normalization compute_normalization(const ImageDataset& data);

/// pixels <- (pixels - n.mean) / n.std, computed in double and rounded to float once.
/// Throws InvalidArgument unless n.std is finite and > 0 and n.mean is finite.
void normalize(ImageDataset& data, Normalization n);

}  // namespace dcopt

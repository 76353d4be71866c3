#pragma once
// Reader for IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or plain, and their
// conversion to a Dataset. Only unsigned-byte IDX data (type code 0x08) is supported: it is what
// image datasets use. Every header field is validated against the bytes actually present.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "dcopt/data/dataset.hpp"

namespace dcopt {

/// Images of an idx3-ubyte file (magic 0x00000803): count images of rows x cols bytes, row-major,
/// image after image; one byte per pixel (0..255).
struct IdxImages {
  std::size_t count = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint8_t> pixels;  ///< count * rows * cols bytes
};

/// Reads an idx3-ubyte image file (".gz" or not: detected from the content, not the name).
/// Throws DataError naming the file and what was expected on a bad magic number, zero or
/// oversized dimensions, truncated data or trailing bytes.
IdxImages read_idx_images(const std::filesystem::path& path);

/// Reads an idx1-ubyte label file (magic 0x00000801): one byte per label.
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path);

/// A binary task over class labels: rows whose class is in `positive` get +1, rows in
/// `negative` get -1; empty `negative` means "every other class" (one-vs-rest). Rows in neither
/// set are dropped (one-vs-one, e.g. positive={3}, negative={5}).
struct IdxBinaryTask {
  std::vector<std::uint8_t> positive;
  std::vector<std::uint8_t> negative;
};

/// Converts images + labels to a Dataset with one row per image, rows*cols features, pixels
/// scaled to [0,1] (byte/255; zero pixels are not stored). Without a task, labels are the
/// class numbers as doubles. Throws DataError if the counts differ, InvalidArgument if the task
/// lists a class in both sets or no class at all.
Dataset idx_to_dataset(const IdxImages& images, std::span<const std::uint8_t> labels,
                       const std::optional<IdxBinaryTask>& task = std::nullopt);

/// read_idx_images + read_idx_labels + idx_to_dataset; name is the image file name.
Dataset read_idx_dataset(const std::filesystem::path& images_path,
                         const std::filesystem::path& labels_path,
                         const std::optional<IdxBinaryTask>& task = std::nullopt);

}  // namespace dcopt

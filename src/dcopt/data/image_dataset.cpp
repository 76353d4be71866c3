#include "dcopt/data/image_dataset.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <system_error>

#include "dcopt/core/error.hpp"
#include "dcopt/data/idx_reader.hpp"

namespace dcopt {
namespace {

// The ".gz" name first (how the datasets are distributed), then the plain one (after gunzip).
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& base) {
  const std::filesystem::path gz = dir / (base + ".gz");
  const std::filesystem::path plain = dir / base;
  std::error_code ec;
  if (std::filesystem::is_regular_file(gz, ec)) return gz;
  if (std::filesystem::is_regular_file(plain, ec)) return plain;
  std::string msg = "image dataset: no file '";
  msg += gz.string();
  msg += "' or '";
  msg += plain.string();
  msg += "'";
  if (!std::filesystem::is_directory(dir, ec)) {
    msg += " (directory '";
    msg += dir.string();
    msg += "' does not exist)";
  }
  msg +=
      "; expected an MNIST-family dataset there (Fashion-MNIST: Debian's package "
      "dataset-fashion-mnist installs it in /usr/share/datasets/fashion-mnist)";
  throw DataError(msg);
}

}  // namespace

ImageDataset read_image_dataset(const std::filesystem::path& dir, std::string_view split,
                                std::size_t limit) {
  std::string prefix;
  if (split == "train") {
    prefix = "train";
  } else if (split == "test") {
    prefix = "t10k";
  } else {
    std::string msg = "image dataset: unknown split '";
    msg += split;
    msg += "'; expected train or test";
    throw InvalidArgument(msg);
  }
  const std::filesystem::path images_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::filesystem::path labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  const IdxImages images = read_idx_images(images_path);
  const std::vector<std::uint8_t> labels = read_idx_labels(labels_path);
  if (labels.size() != images.count) {
    throw DataError("image dataset: '" + images_path.string() + "' holds " +
                    std::to_string(images.count) + " images but '" + labels_path.string() +
                    "' holds " + std::to_string(labels.size()) +
                    " labels; expected one label per image");
  }
  if (limit > images.count) {
    throw InvalidArgument("image dataset: limit " + std::to_string(limit) + " exceeds the " +
                          std::to_string(images.count) + " images in '" + images_path.string() +
                          "'; expected 0 (all) or at most " + std::to_string(images.count));
  }
  ImageDataset out;
  out.count = limit == 0 ? images.count : limit;
  out.channels = 1;
  out.rows = images.rows;
  out.cols = images.cols;
  const std::size_t values = out.count * out.sample_size();
  out.pixels.resize(values);
  for (std::size_t i = 0; i < values; ++i) {
    out.pixels[i] = static_cast<float>(images.pixels[i]) / 255.0f;
  }
  out.labels.assign(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(out.count));
  out.classes = static_cast<std::size_t>(*std::max_element(labels.begin(), labels.end())) + 1;
  out.name =
      dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  out.name += "/";
  out.name += split;
  return out;
}

Normalization compute_normalization(const ImageDataset& data) {
  if (data.pixels.empty()) {
    throw InvalidArgument("compute_normalization: dataset '" + data.name +
                          "' has no pixels; expected at least one sample");
  }
  // Two passes: the mean first, then squared deviations from it, so no cancellation of
  // sum(x^2) - n mean^2 degrades the std.
  double sum = 0.0;
  for (float v : data.pixels) sum += v;
  const double n = static_cast<double>(data.pixels.size());
  const double mean = sum / n;
  double sq = 0.0;
  for (float v : data.pixels) {
    const double d = static_cast<double>(v) - mean;
    sq += d * d;
  }
  return Normalization{mean, std::sqrt(sq / n)};
}

void normalize(ImageDataset& data, Normalization n) {
  if (!std::isfinite(n.mean) || !std::isfinite(n.std) || !(n.std > 0.0)) {
    throw InvalidArgument("normalize: mean " + std::to_string(n.mean) + ", std " +
                          std::to_string(n.std) + " for '" + data.name +
                          "'; expected finite values and std > 0");
  }
  for (float& v : data.pixels) v = static_cast<float>((static_cast<double>(v) - n.mean) / n.std);
}

}  // namespace dcopt

#include "dcopt/data/batch_gather.hpp"

#include <algorithm>
#include <string>

#include "dcopt/core/error.hpp"

namespace dcopt {

void gather_batch(const ImageDataset& data, std::span<const std::uint32_t> idx,
                  std::span<float> pixels_out, std::span<std::int64_t> labels_out) {
  const std::size_t d = data.sample_size();
  if (pixels_out.size() != idx.size() * d || labels_out.size() != idx.size()) {
    throw InvalidArgument("gather_batch: a batch of " + std::to_string(idx.size()) +
                          " samples of " + std::to_string(d) + " values from '" + data.name +
                          "' needs " + std::to_string(idx.size() * d) + " pixel and " +
                          std::to_string(idx.size()) + " label slots; got " +
                          std::to_string(pixels_out.size()) + " and " +
                          std::to_string(labels_out.size()));
  }
  for (std::size_t j = 0; j < idx.size(); ++j) {
    const std::size_t i = idx[j];
    if (i >= data.count) {
      throw InvalidArgument("gather_batch: index " + std::to_string(i) + " at batch position " +
                            std::to_string(j) + " is out of range for '" + data.name + "' with " +
                            std::to_string(data.count) + " samples");
    }
    const auto src = data.pixels.begin() + static_cast<std::ptrdiff_t>(i * d);
    std::copy(src, src + static_cast<std::ptrdiff_t>(d),
              pixels_out.begin() + static_cast<std::ptrdiff_t>(j * d));
    labels_out[j] = data.labels[i];
  }
}

}  // namespace dcopt

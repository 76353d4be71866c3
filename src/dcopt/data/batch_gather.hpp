#pragma once
// Copying a minibatch (a list of sample indices) out of an ImageDataset into buffers the caller
// owns and reuses, e.g. the storage of a preallocated input tensor: no allocation per batch.
#include <cstdint>
#include <span>

#include "dcopt/data/image_dataset.hpp"

namespace dcopt {

/// For b = idx.size(): sample idx[j]'s sample_size() values go to
/// pixels_out[j * sample_size(), (j + 1) * sample_size()) and its label to labels_out[j], so the
/// output is a (b, channels, rows, cols) NCHW batch. Throws InvalidArgument naming the sizes if
/// pixels_out.size() != b * sample_size() or labels_out.size() != b, or naming the index if some
/// idx[j] >= data.count (nothing is guaranteed about the outputs then).
void gather_batch(const ImageDataset& data, std::span<const std::uint32_t> idx,
                  std::span<float> pixels_out, std::span<std::int64_t> labels_out);

}  // namespace dcopt

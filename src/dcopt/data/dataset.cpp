#include "dcopt/data/dataset.hpp"

#include <cmath>

#include "dcopt/core/error.hpp"

namespace dcopt {

Dataset Dataset::subset(std::span<const std::uint32_t> rows) const {
  Dataset out;
  out.name = name;
  out.source = source;
  out.num_features = num_features;
  std::size_t total = 0;
  for (std::uint32_t r : rows) {
    if (r >= num_rows()) {
      throw InvalidArgument("Dataset::subset of '" + name + "': row " + std::to_string(r) +
                            " out of range; the dataset has " + std::to_string(num_rows()) +
                            " rows");
    }
    total += row_ptr[r + 1] - row_ptr[r];
  }
  out.row_ptr.reserve(rows.size() + 1);
  out.col_idx.reserve(total);
  out.values.reserve(total);
  out.labels.reserve(rows.size());
  for (std::uint32_t r : rows) {
    out.col_idx.insert(out.col_idx.end(), col_idx.begin() + row_ptr[r],
                       col_idx.begin() + row_ptr[r + 1]);
    out.values.insert(out.values.end(), values.begin() + row_ptr[r],
                      values.begin() + row_ptr[r + 1]);
    out.row_ptr.push_back(out.col_idx.size());
    out.labels.push_back(labels[r]);
  }
  return out;
}

Dataset Dataset::with_leading_constant(double value) const {
  Dataset out;
  out.name = name;
  out.source = source;
  out.num_features = num_features + 1;
  out.labels = labels;
  out.row_ptr.reserve(row_ptr.size());
  out.col_idx.reserve(nnz() + num_rows());
  out.values.reserve(nnz() + num_rows());
  for (std::size_t i = 0; i < num_rows(); ++i) {
    out.col_idx.push_back(0);
    out.values.push_back(value);
    for (std::uint64_t k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      out.col_idx.push_back(col_idx[k] + 1);
      out.values.push_back(values[k]);
    }
    out.row_ptr.push_back(out.col_idx.size());
  }
  return out;
}

void Dataset::check() const {
  auto fail = [&](const std::string& what) {
    throw DataError("dataset '" + source + "': " + what);
  };
  if (row_ptr.size() != labels.size() + 1) fail("row_ptr size is not num_rows + 1");
  if (row_ptr.front() != 0 || row_ptr.back() != col_idx.size()) fail("row_ptr ends are wrong");
  if (values.size() != col_idx.size()) fail("values and col_idx differ in size");
  if (num_features > (std::uint64_t{1} << 32)) fail("more than 2^32 features");
  for (std::size_t i = 0; i < num_rows(); ++i) {
    if (row_ptr[i + 1] < row_ptr[i]) fail("row_ptr decreases at row " + std::to_string(i));
    for (std::uint64_t k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      if (col_idx[k] >= num_features) {
        fail("row " + std::to_string(i) + " has column " + std::to_string(col_idx[k]) +
             " >= num_features " + std::to_string(num_features));
      }
      if (k > row_ptr[i] && col_idx[k] <= col_idx[k - 1]) {
        fail("row " + std::to_string(i) + " has columns not strictly increasing");
      }
      if (!std::isfinite(values[k])) fail("row " + std::to_string(i) + " has a non-finite value");
    }
    if (!std::isfinite(labels[i])) fail("row " + std::to_string(i) + " has a non-finite label");
  }
}

}  // namespace dcopt

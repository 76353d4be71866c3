#pragma once
// A labelled sparse dataset in CSR (compressed sparse row) form: the input of every problem
// built from real data. Column indices are 0-based (a LibSVM index k is column k-1).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dcopt {

/// One row of a Dataset: the non-zero columns (strictly increasing, 0-based) and their values.
struct SparseRow {
  std::span<const std::uint32_t> cols;
  std::span<const double> values;
};

/// Rows x num_features sparse matrix with one label per row. Plain data: readers fill it and
/// call check(); everything else treats it as immutable.
struct Dataset {
  std::string name;              ///< short name for logs (file name without directories)
  std::string source;            ///< where it came from (path, "<string>", generator description)
  std::size_t num_features = 0;  ///< d: every column index is < num_features
  std::vector<std::uint64_t> row_ptr{
      0};                              ///< size num_rows()+1; row i is [row_ptr[i], row_ptr[i+1])
  std::vector<std::uint32_t> col_idx;  ///< size nnz(), strictly increasing within a row
  std::vector<double> values;          ///< size nnz()
  std::vector<double> labels;          ///< size num_rows()

  std::size_t num_rows() const { return labels.size(); }
  std::size_t nnz() const { return col_idx.size(); }
  std::size_t dim() const { return num_features; }

  SparseRow row(std::size_t i) const {
    const std::size_t b = row_ptr[i], e = row_ptr[i + 1];
    return {std::span<const std::uint32_t>(col_idx.data() + b, e - b),
            std::span<const double>(values.data() + b, e - b)};
  }

  /// A new dataset holding rows[0], rows[1], ... of this one (in that order; repeats allowed).
  /// Throws InvalidArgument if a row index is out of range.
  Dataset subset(std::span<const std::uint32_t> rows) const;

  /// A copy with a constant column `value` inserted at column 0 (all other columns shift by one,
  /// so num_features grows by one). Used for the bias feature of linear models.
  Dataset with_leading_constant(double value = 1.0) const;

  /// Verifies the CSR invariants (sizes, monotone row_ptr, sorted in-range columns, finite
  /// values and labels); throws DataError naming `source` and the first violated one.
  void check() const;
};

}  // namespace dcopt

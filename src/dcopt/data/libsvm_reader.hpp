#pragma once
// Reader for LibSVM / SVMlight text: one sample per line, `label index:value index:value ...`.
//
// Accepted: 1-based feature indices, strictly increasing within a line; labels and values in
// any decimal or scientific notation (a leading '+' is allowed); spaces, tabs and CRLF line ends;
// `#` starts a comment that runs to the end of the line; blank and comment-only lines are
// skipped; a line holding only a label is a sample with no non-zero feature.
// Rejected with DataError "FILE:LINE:COLUMN: what was found; what was expected" (line and
// column 1-based, column in bytes): index 0, a decreasing or repeated index, a non-numeric or
// non-finite (nan/inf) label or value, a token without ':', a missing label, an index beyond
// the fixed dimension, a third distinct label in binary mode, and `qid:` tokens (ranking data
// is not a task dcopt solves; silently dropping the query ids would hide a wrong file).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

#include "dcopt/data/dataset.hpp"

namespace dcopt {

struct LibsvmOptions {
  /// Binary classification: the two distinct labels found (e.g. {-1,+1}, {0,1}, {1,2}) are
  /// mapped to -1 (the smaller) and +1 (the larger); a third distinct label is an error. A file
  /// with a single distinct label keeps it only if it reads as a class unambiguously: -1 or 0
  /// -> -1, +1 -> +1; any other single label is an error. false: labels are kept as written.
  bool binary = true;
  /// Number of features to use (LibSVM indices 1..dim), so that train and test files of one task
  /// get the same width. A larger index is an error. Unset: the largest index in the file.
  std::optional<std::size_t> dim;
};

/// Reads a LibSVM file. Dataset::name is the file name, Dataset::source the path.
/// Throws DataError if the file cannot be read or is malformed.
Dataset read_libsvm(const std::filesystem::path& path, const LibsvmOptions& options = {});

/// Parses LibSVM text held in memory; `source` names it in error messages (e.g. "<string>").
Dataset parse_libsvm(std::string_view text, std::string_view source,
                     const LibsvmOptions& options = {});

}  // namespace dcopt

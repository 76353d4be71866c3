#pragma once
// The data keys of the [problem] table of the dataset problems (logistic, nonconvex_binary):
// which file or files, in which format, which rows, and for IDX images (MNIST, Fashion-MNIST)
// which classes make the binary task. Parsing checks every key before any file is read; loading
// checks that the files exist, reads them and applies max_rows.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "dcopt/core/settings.hpp"
#include "dcopt/data/dataset.hpp"
#include "dcopt/data/idx_reader.hpp"

namespace dcopt {

enum class DataFormat {
  libsvm,  ///< one LibSVM text file holding labels and features
  idx,     ///< an idx3-ubyte images file and an idx1-ubyte labels file
};

struct DatasetInput {
  DataFormat format = DataFormat::libsvm;
  std::filesystem::path data;           ///< resolved: the LibSVM file, or the IDX images
  std::filesystem::path labels;         ///< idx only, resolved: the IDX labels
  std::optional<std::size_t> dim;       ///< libsvm only: the number of features to use
  IdxBinaryTask task;                   ///< idx only: +1 classes and -1 classes (empty: all others)
  std::optional<std::size_t> max_rows;  ///< keep the first max_rows rows (after the task)
};

/// Reads format, data, labels, dim, positive, negative and max_rows from `s` (the other keys are
/// left to the caller). Relative paths resolve against `data_root`. Throws InvalidArgument
/// naming the context, the key and what is valid: a missing data or labels key, a key of the
/// other format, a class outside 0..9, a class listed twice or in both sets, no positive class.
DatasetInput parse_dataset_input(const Settings& s, const std::filesystem::path& data_root);

/// Reads the data. Throws InvalidArgument (naming `s`'s context and the key) if a file does not
/// exist, max_rows exceeds the rows there are, or the IDX task leaves a class without rows;
/// DataError if a file is malformed.
Dataset load_dataset(const DatasetInput& input, const Settings& s,
                     const std::filesystem::path& data_root);

/// "classes [0] vs [6]" or "classes [0, 1] vs rest": the IDX task as written in a description.
std::string describe_task(const IdxBinaryTask& task);

}  // namespace dcopt

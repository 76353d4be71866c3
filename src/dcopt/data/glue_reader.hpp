#pragma once
// Reader for GLUE-style TSV files: one example per line, fields separated by tabs, the columns
// given by a GlueTask's layout (data/glue_task).
//
// Accepted: a leading UTF-8 byte-order mark (MRPC), LF or CRLF line ends, trailing empty lines.
// Quotes are ordinary characters (GLUE TSVs are not CSV: QNLI and MRPC sentences contain
// unbalanced '"'), so a field is exactly the bytes between two tabs. Text fields are kept byte
// for byte (SST-2's trailing space included: the tokenizer normalizes white space).
// Rejected with DataError "FILE:LINE: what was found; what was expected" (line 1-based, counting
// the header): a row whose field count differs from the header's (or the layout's `columns`, or
// without either the first row's), a label that is not one of the task's classes (or not a finite
// number for regression), a header without a column the layout names, an empty file, a file
// without rows, a missing file, bytes that are not UTF-8.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

#include "dcopt/data/glue_task.hpp"
#include "dcopt/data/text_dataset.hpp"

namespace dcopt {

enum class LabelPresence {
  /// Labeled unless the first line is a header that holds the columns of the task's unlabeled
  /// layout by name and not the labeled layout's label column name (a GLUE test file: "index",
  /// the sentences, no label).
  detect,
  labeled,    ///< the task's labeled layout (train, dev)
  unlabeled,  ///< the task's unlabeled layout (test); an error for a task without one
};

struct GlueReadOptions {
  /// Read only the first N rows (after the header); the rest of the file is not parsed. Unset:
  /// every row. Must be >= 1.
  std::optional<std::size_t> max_rows;
  LabelPresence labels = LabelPresence::detect;
};

/// Reads a TSV file of `task`. TextDataset::source is the path. Throws DataError for a bad file,
/// InvalidArgument for a bad task layout or options.
TextDataset read_glue_tsv(const std::filesystem::path& path, const GlueTask& task,
                          const GlueReadOptions& options = {});

/// Parses TSV text held in memory (a leading BOM is dropped; the UTF-8 check is read_glue_tsv's);
/// `source` names it in messages.
TextDataset parse_glue_tsv(std::string_view text, std::string_view source, const GlueTask& task,
                           const GlueReadOptions& options = {});

}  // namespace dcopt

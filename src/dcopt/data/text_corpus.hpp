#pragma once
// Unlabeled sentences for tokenizer training and masked-language-model pre-training: the
// sentences of a GLUE file (a and b of every example), or a plain UTF-8 text file with one
// sentence per line.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcopt/data/text_dataset.hpp"

namespace dcopt {

struct TextCorpus {
  std::string source;                  ///< where the sentences come from, for messages
  std::vector<std::string> sentences;  ///< none empty or white space only

  /// The sentences as an unlabeled single-sentence dataset (for tokenize_dataset and the batcher).
  TextDataset as_dataset() const;
};

struct TextCorpusOptions {
  /// Keep only the first N sentences (after skipping empty lines). Unset: all. Must be >= 1.
  std::optional<std::size_t> max_sentences;
};

/// a_0, b_0, a_1, b_1, ... of `data` (b only for pair tasks), skipping empty or white-space-only
/// sentences. Throws DataError if none is left.
TextCorpus corpus_from_glue(const TextDataset& data, const TextCorpusOptions& options = {});

/// One sentence per line (LF or CRLF; a leading BOM dropped; lines that are empty or white space
/// only skipped; a line otherwise kept byte for byte). Throws DataError for a missing or unreadable
/// file, bytes that are not UTF-8 (FILE:LINE:COLUMN), or a file without a sentence.
TextCorpus read_text_corpus(const std::filesystem::path& path,
                            const TextCorpusOptions& options = {});

/// Same for text held in memory; `source` names it in messages.
TextCorpus parse_text_corpus(std::string_view text, std::string_view source,
                             const TextCorpusOptions& options = {});

}  // namespace dcopt

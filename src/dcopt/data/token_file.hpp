#pragma once
// The "token file": everything a training program needs of a tokenized text task, in one binary
// file, so that the program that tokenizes (`dcopt`, linked with SentencePiece) and the program
// that trains (`dcopt-train`, linked with LibTorch, which must never load SentencePiece: their
// protobuf copies collide in one process) meet at bytes, not at a library.
//
// Nothing here runs SentencePiece: the tokenizer model proto travels as opaque bytes (a
// finetune run saves them as its tokenizer.model), identified by their FNV-1a 64 fingerprint
// (== TextTokenizer::fingerprint()).
//
// Format (little-endian): the 8 bytes "DCOPTTOK", then a StateWriter stream (core/state_io) of
//   version (1), tokenizer bytes, tokenizer_fingerprint, vocab_size, task, regression,
//   classes (count, then each), dev_metrics (count, then each), splits (count, then per split:
//   name, source, labeled, rows, a.offsets, a.ids, b.offsets, b.ids, then label_ids (labeled
//   classification) or targets (labeled regression)).
// Offsets and ids are stored as 32-bit unsigned integers (a split holds fewer than 2^32 tokens;
// the writer checks). A split without sentence b stores b as zero sequences.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcopt/data/text_batch.hpp"

namespace dcopt {

struct TokenBundle {
  std::string tokenizer_bytes;              ///< the SentencePiece model proto, opaque here
  std::uint64_t tokenizer_fingerprint = 0;  ///< fnv1a64(tokenizer_bytes)
  std::size_t vocab_size = 0;               ///< of the tokenizer; every id is below it
  std::string task;                         ///< GLUE task name ("sst2"); "" for a plain-text corpus
  bool regression = false;                  ///< the task's labels are numbers (STS-B), not classes
  /// Class names in id order (empty: unlabeled or regression).
  std::vector<std::string> classes;
  /// to_string(GlueMetric) of the task's dev metrics, headline first; empty for text.
  std::vector<std::string> dev_metrics;
  /// e.g. {"train", "dev"} or {"train", "eval"}; names unique. Each carries the bundle's
  /// tokenizer_fingerprint and vocab_size.
  std::vector<std::pair<std::string, TokenizedDataset>> splits;
  /// The file each split was read from (for messages), in the order of `splits`.
  std::vector<std::string> split_sources;

  /// The split called `name`; InvalidArgument naming the splits present otherwise.
  const TokenizedDataset& split(std::string_view name) const;
};

/// Checks what read_token_file checks (fingerprint, ids below vocab_size, offsets, labels,
/// lengths, the splits' fingerprint and vocab_size equal the bundle's, unique split names, one
/// source per split). Throws DataError "`what`: ..." naming the split and what is wrong.
void validate_token_bundle(const TokenBundle& b, const std::string& what);

/// Writes `b` to `path` atomically: a temporary file next to it, renamed into place, so that a
/// reader never sees a partial file and a failed write leaves no file behind. InvalidArgument
/// if `b` does not validate (a caller's bug) or does not fit the format; std::runtime_error
/// naming the file on an I/O failure (a missing directory, a full disk).
void write_token_file(const std::filesystem::path& path, const TokenBundle& b);

/// Reads and validates a token file. DataError naming the file and what is wrong: bad magic or
/// version, truncation, a fingerprint that is not fnv1a64 of the tokenizer bytes, offsets not
/// monotone, an id >= vocab_size, a label outside the classes, lengths that disagree (b sequences
/// vs a, labels vs rows), trailing bytes; or a file that cannot be read.
TokenBundle read_token_file(const std::filesystem::path& path);

}  // namespace dcopt

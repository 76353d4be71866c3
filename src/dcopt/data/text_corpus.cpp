#include "dcopt/data/text_corpus.hpp"

#include <algorithm>

#include "dcopt/core/error.hpp"
#include "dcopt/data/text_file.hpp"

namespace dcopt {
namespace {

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
  });
}

void check_options(const TextCorpusOptions& options) {
  if (options.max_sentences && *options.max_sentences == 0) {
    throw InvalidArgument("max_sentences = 0; expected at least 1 (or unset for all)");
  }
}

bool full(const TextCorpus& c, const TextCorpusOptions& options) {
  return options.max_sentences && c.sentences.size() >= *options.max_sentences;
}

void check_nonempty(const TextCorpus& c) {
  if (c.sentences.empty()) {
    throw DataError(c.source + ": no sentence (every line is empty); expected text");
  }
}

}  // namespace

TextDataset TextCorpus::as_dataset() const {
  TextDataset d;
  d.source = source;
  d.a = sentences;
  d.labeled = false;
  return d;
}

TextCorpus corpus_from_glue(const TextDataset& data, const TextCorpusOptions& options) {
  check_options(options);
  TextCorpus c;
  c.source = data.source;
  const bool pair = data.is_pair();
  for (std::size_t i = 0; i < data.size() && !full(c, options); ++i) {
    if (!blank(data.a[i])) c.sentences.push_back(data.a[i]);
    if (pair && !full(c, options) && !blank(data.b[i])) c.sentences.push_back(data.b[i]);
  }
  check_nonempty(c);
  return c;
}

TextCorpus parse_text_corpus(std::string_view text, std::string_view source,
                             const TextCorpusOptions& options) {
  check_options(options);
  text = strip_utf8_bom(text);
  TextCorpus c;
  c.source = std::string(source);
  std::size_t pos = 0;
  while (pos < text.size() && !full(c, options)) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!blank(line)) c.sentences.emplace_back(line);
    pos = nl + 1;
  }
  check_nonempty(c);
  return c;
}

TextCorpus read_text_corpus(const std::filesystem::path& path, const TextCorpusOptions& options) {
  check_options(options);
  const std::string text = read_text_file(path, "text corpus");
  return parse_text_corpus(text, path.string(), options);
}

}  // namespace dcopt

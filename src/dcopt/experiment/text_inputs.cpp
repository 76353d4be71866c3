#include "dcopt/experiment/text_inputs.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/data/glue_reader.hpp"
#include "dcopt/data/glue_task.hpp"
#include "dcopt/data/text_corpus.hpp"
#include "dcopt/data/text_tokenizer.hpp"

namespace dcopt {
namespace fs = std::filesystem;
namespace {

std::optional<std::size_t> limit(std::size_t n) {
  return n == 0 ? std::nullopt : std::optional<std::size_t>(n);
}

TextTokenizer load_tokenizer(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw DataError("cannot read the pre-trained tokenizer " + path.string() + ": " +
                    std::strerror(errno) +
                    " (pretrained must name the output directory of a pretrain or finetune run)");
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError("cannot read the pre-trained tokenizer " + path.string());
  return TextTokenizer::from_bytes(bytes, path.string());
}

void set_tokenizer(TokenBundle& b, const TextTokenizer& t) {
  b.tokenizer_bytes = t.bytes();
  b.tokenizer_fingerprint = t.fingerprint();
  b.vocab_size = t.vocab_size();
}

TokenBundle prepare_pretrain(const TextDataConfig& cfg) {
  TextCorpusOptions limits;
  limits.max_sentences = limit(cfg.train_limit);
  TextCorpus corpus;
  TokenBundle b;
  if (!cfg.text.empty()) {
    corpus = read_text_corpus(cfg.text, limits);
  } else {
    GlueReadOptions read;
    read.max_rows = limit(cfg.train_limit);
    read.labels = LabelPresence::labeled;
    corpus = corpus_from_glue(read_glue_tsv(cfg.train_file(), glue_task(cfg.task), read));
    b.task = cfg.task;
  }
  const std::size_t n = corpus.sentences.size();
  if (cfg.eval_sentences >= n) {
    throw InvalidArgument(
        cfg.source + " [data]: eval_sentences = " + std::to_string(cfg.eval_sentences) +
        " holds out the whole corpus (" + corpus.source + " has " + std::to_string(n) +
        " sentences" + (cfg.train_limit ? " within train_limit" : "") +
        "); expected fewer, leaving sentences to train on");
  }
  TextCorpus train{corpus.source, {}};
  TextCorpus eval{corpus.source, {}};
  const std::size_t cut = n - cfg.eval_sentences;
  train.sentences.assign(
      std::make_move_iterator(corpus.sentences.begin()),
      std::make_move_iterator(corpus.sentences.begin() + static_cast<std::ptrdiff_t>(cut)));
  eval.sentences.assign(
      std::make_move_iterator(corpus.sentences.begin() + static_cast<std::ptrdiff_t>(cut)),
      std::make_move_iterator(corpus.sentences.end()));
  // Trained on the training sentences only: the held-out ones must not shape the vocabulary
  // the evaluation is scored with.
  const TextTokenizer tokenizer = TextTokenizer::train(train.sentences, cfg.tokenizer);
  set_tokenizer(b, tokenizer);
  b.splits.emplace_back("train", tokenize_dataset(train.as_dataset(), tokenizer));
  b.splits.emplace_back("eval", tokenize_dataset(eval.as_dataset(), tokenizer));
  b.split_sources = {corpus.source, corpus.source};
  return b;
}

TokenBundle prepare_labeled(const TextDataConfig& cfg) {
  const GlueTask task = glue_task(cfg.task);
  const TextTokenizer tokenizer = load_tokenizer(cfg.tokenizer_file());
  TokenBundle b;
  set_tokenizer(b, tokenizer);
  b.task = task.name;
  b.regression = task.label_kind == LabelKind::regression;
  b.classes = task.classes;
  for (GlueMetric m : task.dev_metrics) b.dev_metrics.emplace_back(to_string(m));
  for (const auto& [name, file, n] : {std::tuple{"train", cfg.train_file(), cfg.train_limit},
                                      std::tuple{"dev", cfg.dev_file(), cfg.dev_limit}}) {
    GlueReadOptions read;
    read.max_rows = limit(n);
    read.labels = LabelPresence::labeled;
    const TextDataset data = read_glue_tsv(file, task, read);
    b.splits.emplace_back(name, tokenize_dataset(data, tokenizer));
    b.split_sources.push_back(data.source);
  }
  return b;
}

}  // namespace

TokenBundle prepare_text_inputs(const TextDataConfig& cfg, TextCommand command) {
  return command == TextCommand::pretrain ? prepare_pretrain(cfg) : prepare_labeled(cfg);
}

}  // namespace dcopt

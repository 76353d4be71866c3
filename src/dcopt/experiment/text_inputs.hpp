#pragma once
// The inputs of a text task, prepared by the program that may run SentencePiece (`dcopt`): read
// the text, train or load the tokenizer, tokenize, into a TokenBundle for a token file
// (data/token_file). The training program (`dcopt-train`, LibTorch) reads only the token file.
#include "dcopt/data/token_file.hpp"
#include "dcopt/experiment/text_data_config.hpp"

namespace dcopt {

/// Reads, (trains or loads the tokenizer,) tokenizes. Prints nothing.
///
/// pretrain: the corpus is cfg.text (one sentence per line) or the sentences a and b of the
/// task's train.tsv (corpus_from_glue), limited by train_limit (sentences of the text file,
/// examples of train.tsv); the last eval_sentences sentences are held out and the tokenizer is
/// trained on the rest only. Splits "train" and "eval", unlabeled; `task` is the GLUE task whose
/// sentences were the corpus ("" for a text file), classes and dev_metrics empty.
///
/// finetune, sharpness: the tokenizer is <pretrained>/tokenizer.model (DataError naming the path
/// if it is missing or not a tokenizer); splits "train" and "dev" of the GLUE task, labeled,
/// train_limit and dev_limit applied; the task's classes (or regression) and dev metrics.
///
/// Throws DataError for unreadable or malformed data, InvalidArgument for a corpus with no more
/// than eval_sentences sentences or a tokenizer that cannot be trained with the options.
TokenBundle prepare_text_inputs(const TextDataConfig& cfg, TextCommand command);

}  // namespace dcopt

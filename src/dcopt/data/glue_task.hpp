#pragma once
// GLUE tasks as column layouts of their TSV files: where sentence a, sentence b and the label are,
// what the labels are, and which metrics the dev set is scored with. The reader
// (data/glue_reader) works from a layout alone, so a task that is not in the table is read by
// giving its layout (TextLayout, which the TOML layer fills).
//
// The layouts follow the files of the GLUE distribution (gluebenchmark.com, as used by BERT):
//   task   train/dev columns (header)                                 test columns (header)
//   cola   source, label, original label, sentence (no header)        index, sentence
//   sst2   sentence, label                                            index, sentence
//   mrpc   Quality, #1 ID, #2 ID, #1 String, #2 String                index, #1 ID, ... (same)
//   stsb   index, genre, filename, year, old_index, source1, source2,  the same without score
//          sentence1, sentence2, score
//   qqp    id, qid1, qid2, question1, question2, is_duplicate         id, question1, question2
//   mnli   index, promptID, pairID, genre, ..., sentence1, sentence2,  index, ..., sentence1,
//          [label1..label5,] gold_label (12 columns train, 16 dev)    sentence2
//   qnli   index, question, sentence, label                           index, question, sentence
//   rte    index, sentence1, sentence2, label                         index, sentence1, sentence2
//   wnli   index, sentence1, sentence2, label                         index, sentence1, sentence2
// Columns of files with a header are found by header name, so MNLI's train (12 columns) and dev
// (16 columns) files read with one layout.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dcopt {

/// A column of a TSV file: by its header name (only in a file with a header row) or by its
/// 0-based position.
struct TsvColumn {
  std::string name;       ///< header name; used when non-empty
  std::size_t index = 0;  ///< 0-based position; used when `name` is empty

  static TsvColumn named(std::string header_name);
  static TsvColumn at(std::size_t position);
  /// "'sentence'" or "#3" (0-based), for messages.
  std::string describe() const;
};

/// Where the fields of one kind of file (labeled train/dev, or unlabeled test) are.
struct TextLayout {
  bool header = true;              ///< the first line names the columns (it is not an example)
  TsvColumn a;                     ///< sentence a (the only sentence of single-sentence tasks)
  std::optional<TsvColumn> b;      ///< sentence b of sentence-pair tasks
  std::optional<TsvColumn> label;  ///< unset: the file carries no labels (a GLUE test file)
  /// Number of tab-separated fields of every row. Unset: the header's count, or without a header
  /// the first row's. Every row must have exactly this many.
  std::optional<std::size_t> columns;
};

enum class LabelKind {
  classes,     ///< a label field is one of GlueTask::classes; its position is the class id
  regression,  ///< a label field is a finite decimal number (STS-B's 0..5 similarity)
};

/// How a task's dev set is scored (GLUE's choice per task).
enum class GlueMetric { accuracy, f1, matthews, pearson, spearman };

std::string_view to_string(GlueMetric metric);

struct GlueTask {
  std::string name;  ///< table key, lowercase: "sst2"
  /// Labeled files (train, dev).
  TextLayout labeled;
  /// Unlabeled files (GLUE test: an index column and no label). Unset for a custom task that
  /// has none.
  std::optional<TextLayout> unlabeled;
  LabelKind label_kind = LabelKind::classes;
  /// Label strings in class-id order (QNLI: "entailment" = 0, "not_entailment" = 1). Empty for
  /// regression.
  std::vector<std::string> classes;
  std::vector<GlueMetric> dev_metrics;  ///< the first is the headline metric

  std::size_t num_classes() const { return classes.size(); }
  bool is_pair() const { return labeled.b.has_value(); }
};

/// The tasks of the table, by name: cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli.
/// Throws InvalidArgument naming the valid names for any other name. Names are matched as
/// written and also with '-' and '_' removed and lowercased ("SST-2" -> sst2, "sts_b" -> stsb).
GlueTask glue_task(std::string_view name);

/// The names glue_task accepts, in table order.
std::vector<std::string> glue_task_names();

/// Checks a task built by hand (a custom layout): the labeled layout has a label column and the
/// unlabeled one none; at least two distinct, non-empty classes for LabelKind::classes and none
/// for regression; a column by name only in a layout with a header; a position below `columns`
/// when that is set; sentence b in both layouts or in neither. Throws InvalidArgument naming the
/// task and what is wrong. The reader calls it.
void validate_glue_task(const GlueTask& task);

}  // namespace dcopt

#include "dcopt/data/glue_task.hpp"

#include <algorithm>
#include <cctype>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

TextLayout layout(TsvColumn a, std::optional<TsvColumn> b, std::optional<TsvColumn> label) {
  TextLayout l;
  l.a = std::move(a);
  l.b = std::move(b);
  l.label = std::move(label);
  return l;
}

TsvColumn n(const char* name) { return TsvColumn::named(name); }

GlueTask classes_task(std::string name, TextLayout labeled, TextLayout unlabeled,
                      std::vector<std::string> classes, std::vector<GlueMetric> metrics) {
  GlueTask t;
  t.name = std::move(name);
  t.labeled = std::move(labeled);
  t.unlabeled = std::move(unlabeled);
  t.label_kind = LabelKind::classes;
  t.classes = std::move(classes);
  t.dev_metrics = std::move(metrics);
  return t;
}

std::vector<GlueTask> make_table() {
  using M = GlueMetric;
  const std::vector<std::string> binary = {"0", "1"};
  std::vector<GlueTask> t;

  TextLayout cola = layout(TsvColumn::at(3), std::nullopt, TsvColumn::at(1));
  cola.header = false;
  cola.columns = 4;
  t.push_back(classes_task("cola", cola, layout(n("sentence"), std::nullopt, std::nullopt), binary,
                           {M::matthews}));
  t.push_back(classes_task("sst2", layout(n("sentence"), std::nullopt, n("label")),
                           layout(n("sentence"), std::nullopt, std::nullopt), binary,
                           {M::accuracy}));
  t.push_back(classes_task("mrpc", layout(n("#1 String"), n("#2 String"), n("Quality")),
                           layout(n("#1 String"), n("#2 String"), std::nullopt), binary,
                           {M::accuracy, M::f1}));
  GlueTask stsb;
  stsb.name = "stsb";
  stsb.labeled = layout(n("sentence1"), n("sentence2"), n("score"));
  stsb.unlabeled = layout(n("sentence1"), n("sentence2"), std::nullopt);
  stsb.label_kind = LabelKind::regression;
  stsb.dev_metrics = {M::pearson, M::spearman};
  t.push_back(stsb);
  t.push_back(classes_task("qqp", layout(n("question1"), n("question2"), n("is_duplicate")),
                           layout(n("question1"), n("question2"), std::nullopt), binary,
                           {M::accuracy, M::f1}));
  t.push_back(classes_task("mnli", layout(n("sentence1"), n("sentence2"), n("gold_label")),
                           layout(n("sentence1"), n("sentence2"), std::nullopt),
                           {"entailment", "neutral", "contradiction"}, {M::accuracy}));
  const std::vector<std::string> entail = {"entailment", "not_entailment"};
  t.push_back(classes_task("qnli", layout(n("question"), n("sentence"), n("label")),
                           layout(n("question"), n("sentence"), std::nullopt), entail,
                           {M::accuracy}));
  for (const char* pair : {"rte", "wnli"}) {
    t.push_back(classes_task(pair, layout(n("sentence1"), n("sentence2"), n("label")),
                             layout(n("sentence1"), n("sentence2"), std::nullopt),
                             std::string_view(pair) == "rte" ? entail : binary, {M::accuracy}));
  }
  return t;
}

const std::vector<GlueTask>& table() {
  static const std::vector<GlueTask> kTable = make_table();
  return kTable;
}

std::string normalized(std::string_view name) {
  std::string s;
  for (char c : name) {
    if (c == '-' || c == '_') continue;
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

void check_layout(const GlueTask& task, const TextLayout& l, const char* which) {
  const auto fail = [&](const std::string& what) {
    throw InvalidArgument("task '" + task.name + "', " + which + " layout: " + what);
  };
  for (const TsvColumn* c : {&l.a, l.b ? &*l.b : nullptr, l.label ? &*l.label : nullptr}) {
    if (c == nullptr) continue;
    if (!c->name.empty() && !l.header) {
      fail("column " + c->describe() +
           " is given by name but the layout has no header row; give it by position "
           "(0-based) or set header = true");
    }
    if (c->name.empty() && l.columns && c->index >= *l.columns) {
      fail("column " + c->describe() + " is beyond the " + std::to_string(*l.columns) +
           " columns of the layout; expected a position below " + std::to_string(*l.columns));
    }
  }
  if (l.columns && *l.columns == 0) fail("columns = 0; expected at least 1");
}

}  // namespace

TsvColumn TsvColumn::named(std::string header_name) {
  TsvColumn c;
  c.name = std::move(header_name);
  return c;
}

TsvColumn TsvColumn::at(std::size_t position) {
  TsvColumn c;
  c.index = position;
  return c;
}

std::string TsvColumn::describe() const {
  if (!name.empty()) return "'" + name + "'";
  std::string s = "#";
  s += std::to_string(index);
  return s;
}

std::string_view to_string(GlueMetric metric) {
  switch (metric) {
    case GlueMetric::accuracy: return "accuracy";
    case GlueMetric::f1: return "f1";
    case GlueMetric::matthews: return "matthews";
    case GlueMetric::pearson: return "pearson";
    case GlueMetric::spearman: return "spearman";
  }
  return "?";
}

std::vector<std::string> glue_task_names() {
  std::vector<std::string> names;
  for (const GlueTask& t : table()) names.push_back(t.name);
  return names;
}

GlueTask glue_task(std::string_view name) {
  const std::string key = normalized(name);
  for (const GlueTask& t : table()) {
    if (t.name == key) return t;
  }
  std::string valid;
  for (const GlueTask& t : table()) {
    if (!valid.empty()) valid += ", ";
    valid += t.name;
  }
  throw InvalidArgument("unknown GLUE task '" + std::string(name) + "'; valid tasks: " + valid +
                        " (or give a custom column layout)");
}

void validate_glue_task(const GlueTask& task) {
  const auto fail = [&](const std::string& what) {
    throw InvalidArgument("task '" + task.name + "': " + what);
  };
  if (!task.labeled.label) fail("the labeled layout has no label column; expected one");
  check_layout(task, task.labeled, "labeled");
  if (task.unlabeled) {
    if (task.unlabeled->label) fail("the unlabeled layout has a label column; expected none");
    if (task.unlabeled->b.has_value() != task.labeled.b.has_value()) {
      fail("sentence b is in one layout but not the other; expected both or neither");
    }
    check_layout(task, *task.unlabeled, "unlabeled");
  }
  if (task.label_kind == LabelKind::classes) {
    if (task.classes.size() < 2) {
      fail(std::to_string(task.classes.size()) +
           " class label(s); expected at least 2 label strings (or regression)");
    }
    for (std::size_t i = 0; i < task.classes.size(); ++i) {
      if (task.classes[i].empty()) fail("class label " + std::to_string(i) + " is empty");
      if (std::find(task.classes.begin(), task.classes.begin() + static_cast<std::ptrdiff_t>(i),
                    task.classes[i]) != task.classes.begin() + static_cast<std::ptrdiff_t>(i)) {
        fail("class label '" + task.classes[i] + "' is repeated; expected distinct labels");
      }
    }
  } else if (!task.classes.empty()) {
    fail("a regression task with class labels; expected none");
  }
}

}  // namespace dcopt

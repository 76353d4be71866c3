#include "dcopt/data/glue_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "dcopt/core/error.hpp"
#include "dcopt/data/text_file.hpp"

namespace dcopt {
namespace {

// The fields of one line: [begin, end) of the text between tabs.
void split_tabs(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

std::string shown(std::string_view s) {
  constexpr std::size_t kMax = 40;  // keep messages readable for garbage fields
  std::string r = "'";
  r += s.substr(0, kMax);
  if (s.size() > kMax) r += "...";
  r += "'";
  return r;
}

std::string joined(const std::vector<std::string_view>& fields) {
  constexpr std::size_t kMax = 12;
  std::string s;
  for (std::size_t i = 0; i < fields.size() && i < kMax; ++i) {
    if (i > 0) s += ", ";
    s += shown(fields[i]);
  }
  if (fields.size() > kMax) s += ", ...";
  return s;
}

bool has_field(const std::vector<std::string_view>& fields, std::string_view name) {
  return std::find(fields.begin(), fields.end(), name) != fields.end();
}

// Lines of the text, without their '\n' and a '\r' before it; trailing empty lines dropped.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {
    while (!text_.empty() && (text_.back() == '\n' || text_.back() == '\r')) text_.remove_suffix(1);
  }
  bool next(std::string_view& line) {
    if (pos_ > text_.size() || text_.empty()) return false;
    const std::size_t nl = text_.find('\n', pos_);
    const std::size_t end = nl == std::string_view::npos ? text_.size() : nl;
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++number_;
    return true;
  }
  std::size_t number() const { return number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
};

class Parser {
 public:
  Parser(std::string_view text, std::string_view source, const GlueTask& task,
         const GlueReadOptions& options)
      : lines_(text), source_(source), task_(task), options_(options) {}

  TextDataset run() {
    TextDataset ds;
    ds.source = std::string(source_);
    std::string_view line;
    if (!lines_.next(line)) {
      throw DataError(std::string(source_) + ": empty file; expected " +
                      (task_.labeled.header ? "a header line and " : "") + "rows of task '" +
                      task_.name + "'");
    }
    split_tabs(line, fields_);
    choose_layout();
    ds.labeled = layout_->label.has_value();
    const bool pair = layout_->b.has_value();

    bool have_row = false;
    if (layout_->header) {
      resolve_header();
    } else {
      resolve_positions(fields_.size());
      have_row = true;  // the first line is already a row
    }
    std::size_t rows = 0;
    while (!options_.max_rows || rows < *options_.max_rows) {
      if (!have_row) {
        if (!lines_.next(line)) break;
        split_tabs(line, fields_);
      }
      have_row = false;
      if (fields_.size() != columns_) {
        fail(std::to_string(fields_.size()) + " tab-separated field(s); expected " +
             std::to_string(columns_) + " (" + columns_from_ + ")");
      }
      ds.a.emplace_back(fields_[a_]);
      if (pair) ds.b.emplace_back(fields_[b_]);
      if (ds.labeled) add_label(fields_[label_], ds);
      ++rows;
    }
    if (rows == 0) {
      throw DataError(std::string(source_) +
                      ": no rows after the header line; expected at least "
                      "one example");
    }
    return ds;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(std::string(source_) + ":" + std::to_string(lines_.number()) + ": " + what);
  }

  void choose_layout() {
    switch (options_.labels) {
      case LabelPresence::labeled: layout_ = &task_.labeled; return;
      case LabelPresence::unlabeled:
        if (!task_.unlabeled) {
          throw InvalidArgument("task '" + task_.name +
                                "' has no unlabeled (test) layout; expected labeled files only");
        }
        layout_ = &*task_.unlabeled;
        return;
      case LabelPresence::detect: break;
    }
    layout_ = &task_.labeled;
    if (!task_.unlabeled || !task_.unlabeled->header) return;
    const TextLayout& u = *task_.unlabeled;
    bool any_named = false;
    for (const TsvColumn* c : {&u.a, u.b ? &*u.b : nullptr}) {
      if (c == nullptr || c->name.empty()) continue;
      if (!has_field(fields_, c->name)) return;
      any_named = true;
    }
    if (!any_named) return;
    const TsvColumn& label = *task_.labeled.label;
    if (task_.labeled.header && !label.name.empty() && has_field(fields_, label.name)) return;
    layout_ = &u;
  }

  // Named columns from the header line (in fields_), positions checked against its width.
  void resolve_header() {
    const std::size_t width = fields_.size();
    if (layout_->columns && *layout_->columns != width) {
      fail("header of " + std::to_string(width) + " column(s) (" + joined(fields_) +
           "); expected " + std::to_string(*layout_->columns) + " for task '" + task_.name + "'");
    }
    columns_ = width;
    columns_from_ = "as the header at line 1";
    a_ = find(layout_->a);
    if (layout_->b) b_ = find(*layout_->b);
    if (layout_->label) label_ = find(*layout_->label);
  }

  void resolve_positions(std::size_t first_row_width) {
    if (layout_->columns) {
      columns_ = *layout_->columns;
      columns_from_ = "the layout of task '" + task_.name + "'";
    } else {
      columns_ = first_row_width;
      columns_from_ = "as the first row";
    }
    a_ = find(layout_->a);
    if (layout_->b) b_ = find(*layout_->b);
    if (layout_->label) label_ = find(*layout_->label);
  }

  std::size_t find(const TsvColumn& c) const {
    if (c.name.empty()) {
      if (c.index >= columns_) {
        fail("column " + c.describe() + " of task '" + task_.name + "' does not exist; the " +
             (layout_->header ? "header" : "row") + " has " + std::to_string(columns_) +
             " column(s)");
      }
      return c.index;
    }
    const auto it = std::find(fields_.begin(), fields_.end(), c.name);
    if (it == fields_.end()) {
      std::string what = "no column " + c.describe() + " in the header (" + joined(fields_) +
                         "); expected the columns of task '" + task_.name + "'";
      if (layout_ == &task_.labeled && !task_.labeled.label->name.empty() &&
          c.name == task_.labeled.label->name) {
        what += " (an unlabeled file? read it as unlabeled)";
      }
      fail(what);
    }
    return static_cast<std::size_t>(it - fields_.begin());
  }

  void add_label(std::string_view field, TextDataset& ds) const {
    if (task_.label_kind == LabelKind::classes) {
      for (std::size_t k = 0; k < task_.classes.size(); ++k) {
        if (task_.classes[k] == field) {
          ds.label_ids.push_back(static_cast<std::int32_t>(k));
          return;
        }
      }
      std::string valid;
      for (const std::string& c : task_.classes) {
        if (!valid.empty()) valid += ", ";
        valid += c;
      }
      fail("label " + shown(field) + " in column " + layout_->label->describe() +
           "; expected one of: " + valid);
    }
    float v = 0.0f;
    const char* b = field.data();
    const char* e = b + field.size();
    if (b < e && *b == '+') ++b;
    const auto [ptr, ec] = std::from_chars(b, e, v);
    if (b == e || ec != std::errc() || ptr != e || !std::isfinite(v)) {
      fail("target " + shown(field) + " in column " + layout_->label->describe() +
           "; expected a finite number");
    }
    ds.targets.push_back(v);
  }

  Lines lines_;
  std::string_view source_;
  const GlueTask& task_;
  const GlueReadOptions& options_;
  const TextLayout* layout_ = nullptr;
  std::vector<std::string_view> fields_;
  std::size_t columns_ = 0;
  std::string columns_from_;
  std::size_t a_ = 0, b_ = 0, label_ = 0;
};

}  // namespace

TextDataset parse_glue_tsv(std::string_view text, std::string_view source, const GlueTask& task,
                           const GlueReadOptions& options) {
  validate_glue_task(task);
  if (options.max_rows && *options.max_rows == 0) {
    throw InvalidArgument("max_rows = 0; expected at least 1 (or unset for every row)");
  }
  return Parser(strip_utf8_bom(text), source, task, options).run();
}

TextDataset read_glue_tsv(const std::filesystem::path& path, const GlueTask& task,
                          const GlueReadOptions& options) {
  validate_glue_task(task);
  const std::string text = read_text_file(path, "GLUE TSV");
  return parse_glue_tsv(text, path.string(), task, options);
}

}  // namespace dcopt

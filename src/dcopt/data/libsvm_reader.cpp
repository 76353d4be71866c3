#include "dcopt/data/libsvm_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

const char* skip_space(const char* p, const char* end) {
  while (p < end && is_space(*p)) ++p;
  return p;
}

const char* token_end(const char* p, const char* end) {
  while (p < end && !is_space(*p)) ++p;
  return p;
}

// Parses [b, e) completely as a double; std::from_chars rejects a leading '+', which LibSVM
// files use for labels ("+1"), so it is skipped here (but not "+-1" or a lone "+").
bool parse_number(const char* b, const char* e, double& out) {
  if (b < e && *b == '+' && e - b > 1 && b[1] != '-' && b[1] != '+') ++b;
  if (b == e) return false;
  // Most sparse datasets store binary features; "1" is worth a shortcut.
  if (e - b == 1 && *b == '1') {
    out = 1.0;
    return true;
  }
  auto [ptr, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && ptr == e;
}

std::string shown(const char* b, const char* e) {
  constexpr std::size_t kMax = 40;  // keep messages readable for garbage lines
  std::string s(b, std::min<std::size_t>(static_cast<std::size_t>(e - b), kMax));
  if (static_cast<std::size_t>(e - b) > kMax) s += "...";
  return "'" + s + "'";
}

std::string format_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view source, const LibsvmOptions& options)
      : text_(text), source_(source), options_(options) {}

  Dataset run() {
    Dataset ds;
    ds.source = std::string(source_);
    // Reserve from cheap counts so the vectors never reallocate while parsing.
    const std::size_t lines =
        static_cast<std::size_t>(std::count(text_.begin(), text_.end(), '\n')) + 1;
    const std::size_t colons =
        static_cast<std::size_t>(std::count(text_.begin(), text_.end(), ':'));
    ds.row_ptr.reserve(lines + 1);
    ds.labels.reserve(lines);
    ds.col_idx.reserve(colons);
    ds.values.reserve(colons);

    std::uint64_t max_index = 0;
    const char* p = text_.data();
    const char* end = p + text_.size();
    std::size_t line = 0;
    while (p < end) {
      ++line;
      line_start_ = p;
      line_ = line;
      const char* eol =
          static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      if (eol == nullptr) eol = end;
      const char* hash =
          static_cast<const char*>(std::memchr(p, '#', static_cast<std::size_t>(eol - p)));
      const char* content_end = hash != nullptr ? hash : eol;
      parse_line(p, content_end, ds, max_index);
      p = eol + 1;
    }

    if (options_.dim) {
      ds.num_features = *options_.dim;
    } else {
      ds.num_features = static_cast<std::size_t>(max_index);
    }
    if (options_.binary) map_binary(ds);
    return ds;
  }

 private:
  [[noreturn]] void fail(const char* at, const std::string& what) const {
    const std::size_t col = static_cast<std::size_t>(at - line_start_) + 1;
    throw DataError(std::string(source_) + ":" + std::to_string(line_) + ":" + std::to_string(col) +
                    ": " + what);
  }

  void parse_line(const char* p, const char* e, Dataset& ds, std::uint64_t& max_index) {
    p = skip_space(p, e);
    if (p == e) return;  // blank or comment-only line
    const char* te = token_end(p, e);
    const char* colon =
        static_cast<const char*>(std::memchr(p, ':', static_cast<std::size_t>(te - p)));
    if (colon != nullptr) {
      if (te - p >= 4 && std::memcmp(p, "qid:", 4) == 0) reject_qid(p);
      fail(p, "missing label: the line starts with feature " + shown(p, te) +
                  "; expected a label (a number) before the first index:value pair");
    }
    double label = 0.0;
    if (!parse_number(p, te, label)) {
      fail(p, "invalid label " + shown(p, te) + "; expected a number such as -1, +1, 0 or 2");
    }
    if (!std::isfinite(label)) {
      fail(p, "label " + shown(p, te) + " is not finite; expected a finite number");
    }
    if (options_.binary) note_label(label, p);
    ds.labels.push_back(label);

    std::uint64_t prev = 0;
    p = te;
    while (true) {
      p = skip_space(p, e);
      if (p == e) break;
      te = token_end(p, e);
      colon = static_cast<const char*>(std::memchr(p, ':', static_cast<std::size_t>(te - p)));
      if (colon == nullptr) {
        fail(p, "feature " + shown(p, te) + " has no ':'; expected index:value");
      }
      if (te - p >= 4 && std::memcmp(p, "qid:", 4) == 0) reject_qid(p);
      std::uint64_t index = 0;
      auto [ip, iec] = std::from_chars(p, colon, index);
      if (p == colon || iec != std::errc() || ip != colon) {
        fail(p, "invalid feature index " + shown(p, colon) +
                    "; expected a positive integer (indices are 1-based)");
      }
      if (index == 0)
        fail(p, "feature index 0; expected an index >= 1 (LibSVM indices are 1-based)");
      if (index <= prev) {
        fail(p, "feature index " + std::to_string(index) +
                    (index == prev ? " repeated" : " after " + std::to_string(prev)) +
                    "; expected indices strictly increasing within a line");
      }
      if (options_.dim && index > *options_.dim) {
        fail(p, "feature index " + std::to_string(index) + " exceeds the dimension " +
                    std::to_string(*options_.dim) + " given by the dim option; expected 1.." +
                    std::to_string(*options_.dim));
      }
      if (index > (std::uint64_t{1} << 32)) {
        fail(p, "feature index " + std::to_string(index) + " too large; expected at most 2^32");
      }
      const char* vb = colon + 1;
      if (vb == te) {
        fail(vb, "missing value after '" + std::string(p, vb) + "'; expected index:value");
      }
      double value = 0.0;
      if (!parse_number(vb, te, value)) {
        fail(vb, "invalid value " + shown(vb, te) + " for feature " + std::to_string(index) +
                     "; expected a number");
      }
      if (!std::isfinite(value)) {
        fail(vb, "value " + shown(vb, te) + " for feature " + std::to_string(index) +
                     " is not finite; expected a finite number");
      }
      ds.col_idx.push_back(static_cast<std::uint32_t>(index - 1));
      ds.values.push_back(value);
      prev = index;
      p = te;
    }
    max_index = std::max(max_index, prev);
    ds.row_ptr.push_back(ds.col_idx.size());
  }

  [[noreturn]] void reject_qid(const char* at) const {
    fail(at, "'qid:' token (ranking data) is not supported; expected index:value features only");
  }

  void note_label(double label, const char* at) {
    for (std::size_t k = 0; k < num_classes_; ++k) {
      if (classes_[k] == label) return;
    }
    if (num_classes_ == 2) {
      fail(at,
           "third distinct label " + format_label(label) + " (after " + format_label(classes_[0]) +
               " and " + format_label(classes_[1]) +
               "); expected exactly two classes in binary mode, such as {-1,+1}, {0,1} or {1,2} "
               "(read with binary=false to keep multi-class labels)");
    }
    classes_[num_classes_++] = label;
  }

  void map_binary(Dataset& ds) const {
    if (num_classes_ == 0) return;
    double neg = 0.0;
    if (num_classes_ == 2) {
      neg = std::min(classes_[0], classes_[1]);
      for (double& y : ds.labels) y = (y == neg) ? -1.0 : 1.0;
      return;
    }
    const double only = classes_[0];
    if (only == -1.0 || only == 0.0) {
      std::fill(ds.labels.begin(), ds.labels.end(), -1.0);
    } else if (only == 1.0) {
      std::fill(ds.labels.begin(), ds.labels.end(), 1.0);
    } else {
      throw DataError(std::string(source_) + ": every sample has label " + format_label(only) +
                      ", which does not name a class by itself; expected two distinct labels in "
                      "binary mode, or a single label -1, 0 or +1");
    }
  }

  std::string_view text_;
  std::string_view source_;
  const LibsvmOptions& options_;
  const char* line_start_ = nullptr;
  std::size_t line_ = 0;
  double classes_[2] = {0.0, 0.0};
  std::size_t num_classes_ = 0;
};

}  // namespace

Dataset parse_libsvm(std::string_view text, std::string_view source, const LibsvmOptions& options) {
  Dataset ds = Parser(text, source, options).run();
  ds.name = std::string(source);
  return ds;
}

Dataset read_libsvm(const std::filesystem::path& path, const LibsvmOptions& options) {
  const std::string where = path.string();
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(where.c_str(), "rb"), &std::fclose);
  if (!f) {
    throw DataError("cannot open LibSVM file '" + where + "': " + std::strerror(errno));
  }
  std::string text;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) text.reserve(static_cast<std::size_t>(size));
  char buf[1 << 16];
  std::size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, got);
  if (std::ferror(f.get())) {
    throw DataError("error reading LibSVM file '" + where + "': " + std::strerror(errno));
  }
  Dataset ds = parse_libsvm(text, where, options);
  ds.name = path.filename().string();
  return ds;
}

}  // namespace dcopt

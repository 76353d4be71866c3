#include "dcopt/data/token_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <span>
#include <stdexcept>

#include "dcopt/core/atomic_file.hpp"
#include "dcopt/core/error.hpp"
#include "dcopt/core/fnv1a_hash.hpp"
#include "dcopt/core/state_io.hpp"

namespace dcopt {
namespace fs = std::filesystem;
namespace {

constexpr char kMagic[8] = {'D', 'C', 'O', 'P', 'T', 'T', 'O', 'K'};
constexpr std::uint64_t kVersion = 1;

// A problem this file's reader found itself (its message is complete), as opposed to a
// StateReader failure, which gets "truncated or corrupt" added.
class TokenFileError : public DataError {
 public:
  using DataError::DataError;
};

// What is wrong with one side (a or b) of a split's sequences, or "".
std::string sequences_problem(const TokenSequences& s, std::size_t vocab_size) {
  if (s.offsets.empty() || s.offsets.front() != 0) return "offsets do not start at 0";
  for (std::size_t i = 1; i < s.offsets.size(); ++i) {
    if (s.offsets[i] < s.offsets[i - 1]) {
      return "offsets not monotone (sequence " + std::to_string(i - 1) + " ends at " +
             std::to_string(s.offsets[i]) + " before it starts at " +
             std::to_string(s.offsets[i - 1]) + ")";
    }
  }
  if (s.offsets.back() != s.ids.size()) {
    return "the last offset " + std::to_string(s.offsets.back()) + " is not the id count " +
           std::to_string(s.ids.size());
  }
  for (std::size_t i = 0; i < s.ids.size(); ++i) {
    if (s.ids[i] < 0 || static_cast<std::size_t>(s.ids[i]) >= vocab_size) {
      return "id " + std::to_string(s.ids[i]) + " at position " + std::to_string(i) +
             " is not below vocab_size " + std::to_string(vocab_size);
    }
  }
  return "";
}

// What is wrong with `b`, or "": one message, so that the writer (a caller's bug) and the reader
// (a bad file) report the same things.
std::string bundle_problem(const TokenBundle& b) {
  if (fnv1a64(b.tokenizer_bytes) != b.tokenizer_fingerprint) {
    return "tokenizer fingerprint " + hex64(b.tokenizer_fingerprint) +
           " is not fnv1a64 of the tokenizer bytes (" + hex64(fnv1a64(b.tokenizer_bytes)) + ")";
  }
  if (b.vocab_size <= static_cast<std::size_t>(kNumSpecialIds) ||
      b.vocab_size > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    return "vocab_size " + std::to_string(b.vocab_size) + " out of range (" +
           std::to_string(kNumSpecialIds + 1) + " .. 2^31 - 1)";
  }
  if (b.regression && !b.classes.empty()) return "a regression task with classes";
  if (b.split_sources.size() != b.splits.size()) {
    return std::to_string(b.split_sources.size()) + " split sources for " +
           std::to_string(b.splits.size()) + " splits";
  }
  std::set<std::string> names;
  for (const auto& [name, d] : b.splits) {
    const std::string at = "split '" + name + "': ";
    if (!names.insert(name).second) return at + "appears twice";
    if (d.tokenizer_fingerprint != b.tokenizer_fingerprint || d.vocab_size != b.vocab_size) {
      return at + "tokenized with another tokenizer (fingerprint " +
             hex64(d.tokenizer_fingerprint) + ", vocab_size " + std::to_string(d.vocab_size) + ")";
    }
    if (std::string p = sequences_problem(d.a, b.vocab_size); !p.empty()) return at + "a: " + p;
    if (std::string p = sequences_problem(d.b, b.vocab_size); !p.empty()) return at + "b: " + p;
    if (d.b.size() != 0 && d.b.size() != d.a.size()) {
      return at + std::to_string(d.b.size()) + " b sequences for " + std::to_string(d.a.size()) +
             " a sequences";
    }
    const std::size_t want_labels = d.labeled && !b.regression ? d.size() : 0;
    const std::size_t want_targets = d.labeled && b.regression ? d.size() : 0;
    if (d.label_ids.size() != want_labels) {
      return at + std::to_string(d.label_ids.size()) + " labels for " + std::to_string(d.size()) +
             " rows" + (d.labeled && !b.regression ? "" : " (expected none)");
    }
    if (d.targets.size() != want_targets) {
      return at + std::to_string(d.targets.size()) + " targets for " + std::to_string(d.size()) +
             " rows" + (d.labeled && b.regression ? "" : " (expected none)");
    }
    for (std::size_t i = 0; i < d.label_ids.size(); ++i) {
      if (d.label_ids[i] < 0 || static_cast<std::size_t>(d.label_ids[i]) >= b.classes.size()) {
        return at + "label " + std::to_string(d.label_ids[i]) + " of row " + std::to_string(i) +
               " outside the " + std::to_string(b.classes.size()) + " classes";
      }
    }
    for (std::size_t i = 0; i < d.targets.size(); ++i) {
      if (!std::isfinite(d.targets[i])) {
        return at + "target of row " + std::to_string(i) + " is not finite";
      }
    }
  }
  return "";
}

void write_sequences(StateWriter& w, const std::string& prefix, const TokenSequences& s) {
  std::vector<std::uint32_t> v(s.offsets.begin(), s.offsets.end());
  w.u32s(prefix + ".offsets", v);
  v.assign(s.ids.begin(), s.ids.end());
  w.u32s(prefix + ".ids", v);
}

void read_sequences(StateReader& r, const std::string& what, const std::string& prefix,
                    std::size_t max_count, TokenSequences& s) {
  std::vector<std::uint32_t> v;
  r.u32s(prefix + ".offsets", v, max_count);
  if (v.empty()) {
    throw TokenFileError(what + ": " + prefix + ".offsets: empty (it starts with offset 0)");
  }
  s.offsets.assign(v.begin(), v.end());
  r.u32s(prefix + ".ids", v, max_count);
  s.ids.assign(v.begin(), v.end());
}

// A count field that announces more entries than the file has bytes is corrupt; saying so
// avoids looping (or allocating) on a corrupt count.
std::uint64_t read_count(StateReader& r, std::string_view name, std::size_t file_size,
                         const std::string& what) {
  const std::uint64_t n = r.u64(name);
  if (n > file_size) {
    throw TokenFileError(what + ": " + std::string(name) + " count " + std::to_string(n) +
                         " exceeds the file size (truncated or corrupt)");
  }
  return n;
}

// The fields after the magic into `b` (structure only: validate_token_bundle checks the rest).
void parse_fields(std::span<const std::uint8_t> payload, const std::string& what, TokenBundle& b) {
  StateReader r(payload, what);
  const std::uint64_t version = r.u64("version");
  if (version != kVersion) {
    throw TokenFileError(what + ": unsupported version " + std::to_string(version) +
                         " (this build reads version " + std::to_string(kVersion) + ")");
  }
  const std::size_t size = payload.size();
  b.tokenizer_bytes = r.text("tokenizer", size);
  b.tokenizer_fingerprint = r.u64("tokenizer_fingerprint");
  b.vocab_size = r.u64("vocab_size");
  b.task = r.text("task");
  b.regression = r.boolean("regression");
  for (std::uint64_t n = read_count(r, "classes", size, what); n > 0; --n) {
    b.classes.push_back(r.text("class"));
  }
  for (std::uint64_t n = read_count(r, "dev_metrics", size, what); n > 0; --n) {
    b.dev_metrics.push_back(r.text("dev_metric"));
  }
  for (std::uint64_t n = read_count(r, "splits", size, what); n > 0; --n) {
    std::string name = r.text("split");
    b.split_sources.push_back(r.text("source", size));
    TokenizedDataset d;
    d.labeled = r.boolean("labeled");
    const std::uint64_t rows = read_count(r, "rows", size, what);
    read_sequences(r, what, "a", size, d.a);
    read_sequences(r, what, "b", size, d.b);
    if (d.a.size() != rows) {
      throw TokenFileError(what + ": split '" + name + "': " + std::to_string(d.a.size()) +
                           " a sequences for " + std::to_string(rows) + " rows");
    }
    if (d.labeled && !b.regression) {
      std::vector<std::uint32_t> labels;
      r.u32s("label_ids", labels, size);
      // Beyond INT32_MAX a stored label wraps negative here and fails the class check below.
      d.label_ids.assign(labels.begin(), labels.end());
    } else if (d.labeled) {
      d.targets.resize(rows);
      r.f32s("targets", d.targets);
    }
    d.tokenizer_fingerprint = b.tokenizer_fingerprint;
    d.vocab_size = b.vocab_size;
    b.splits.emplace_back(std::move(name), std::move(d));
  }
  try {
    r.expect_end();
  } catch (const DataError& e) {
    throw TokenFileError(e.what());  // complete as it is: nothing is truncated
  }
}

}  // namespace

const TokenizedDataset& TokenBundle::split(std::string_view name) const {
  std::string present;
  for (const auto& [n, d] : splits) {
    if (n == name) return d;
    if (!present.empty()) present += ", ";
    present += "'" + n + "'";
  }
  throw InvalidArgument("token file has no split '" + std::string(name) +
                        "'; present: " + (present.empty() ? std::string("none") : present));
}

void validate_token_bundle(const TokenBundle& b, const std::string& what) {
  if (std::string p = bundle_problem(b); !p.empty()) throw DataError(what + ": " + p);
}

void write_token_file(const fs::path& path, const TokenBundle& b) {
  if (std::string p = bundle_problem(b); !p.empty()) {
    throw InvalidArgument("token bundle for " + path.string() + ": " + p);
  }
  for (const auto& [name, d] : b.splits) {
    if (d.a.ids.size() > std::numeric_limits<std::uint32_t>::max() ||
        d.b.ids.size() > std::numeric_limits<std::uint32_t>::max()) {
      throw InvalidArgument("token bundle for " + path.string() + ": split '" + name +
                            "' holds 2^32 tokens or more, more than a token file stores");
    }
  }
  StateWriter w;
  w.u64("version", kVersion);
  w.text("tokenizer", b.tokenizer_bytes);
  w.u64("tokenizer_fingerprint", b.tokenizer_fingerprint);
  w.u64("vocab_size", b.vocab_size);
  w.text("task", b.task);
  w.boolean("regression", b.regression);
  w.u64("classes", b.classes.size());
  for (const std::string& c : b.classes) w.text("class", c);
  w.u64("dev_metrics", b.dev_metrics.size());
  for (const std::string& m : b.dev_metrics) w.text("dev_metric", m);
  w.u64("splits", b.splits.size());
  for (std::size_t i = 0; i < b.splits.size(); ++i) {
    const auto& [name, d] = b.splits[i];
    w.text("split", name);
    w.text("source", b.split_sources[i]);
    w.boolean("labeled", d.labeled);
    w.u64("rows", d.size());
    write_sequences(w, "a", d.a);
    write_sequences(w, "b", d.b);
    if (d.labeled && !b.regression) {
      const std::vector<std::uint32_t> labels(d.label_ids.begin(), d.label_ids.end());
      w.u32s("label_ids", labels);
    } else if (d.labeled) {
      w.f32s("targets", d.targets);
    }
  }
  std::vector<std::uint8_t> bytes(std::begin(kMagic), std::end(kMagic));
  bytes.insert(bytes.end(), w.bytes().begin(), w.bytes().end());

  write_file_atomically(path, bytes, "the token file");
}

TokenBundle read_token_file(const fs::path& path) {
  const std::string what = "token file " + path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot open " + what + ": " + std::strerror(errno));
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError("cannot read " + what);
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    throw DataError(what + ": bad magic: not a dcopt token file (it starts with \"DCOPTTOK\")");
  }
  TokenBundle b;
  try {
    parse_fields(std::span<const std::uint8_t>(bytes).subspan(sizeof kMagic), what, b);
  } catch (const TokenFileError&) {
    throw;
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + " (a truncated or damaged token file)");
  }
  validate_token_bundle(b, what);
  return b;
}

}  // namespace dcopt

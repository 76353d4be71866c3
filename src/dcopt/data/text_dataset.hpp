#pragma once
// Labeled or unlabeled text examples (a GLUE task's file), one sentence or a sentence pair each.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dcopt {

struct TextDataset {
  std::string source;          ///< where it was read from (a path), for messages
  std::vector<std::string> a;  ///< sentence a of every example, UTF-8, as in the file
  /// Sentence b of every example for sentence-pair tasks (same length as `a`); empty otherwise.
  std::vector<std::string> b;
  bool labeled = false;
  /// Class ids (0-based, in GlueTask::classes order) of a labeled classification task; else
  /// empty.
  std::vector<std::int32_t> label_ids;
  /// Regression targets of a labeled regression task (STS-B); else empty.
  std::vector<float> targets;

  std::size_t size() const { return a.size(); }
  bool is_pair() const { return !b.empty(); }
};

}  // namespace dcopt

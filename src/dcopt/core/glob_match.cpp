#include "dcopt/core/glob_match.hpp"

#include <cstddef>

namespace dcopt {

bool glob_match(std::string_view pattern, std::string_view text) {
  // Greedy scan with one backtrack point: on a mismatch, let the most recent '*' absorb one more
  // character. Earlier stars never need to be revisited, because the latest star can absorb
  // anything an earlier one could.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace dcopt

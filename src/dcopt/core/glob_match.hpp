#pragma once
// Shell-style wildcard matching of names, for rules that pick tensors by name
// ("encoder.*.weight"). Chosen over std::regex because tensor names are full of '.', which a
// regex treats as "any character": a glob matches what it looks like, and cannot fail to compile.
#include <string_view>

namespace dcopt {

/// true iff `text` matches `pattern` as a whole. In the pattern, '*' matches any sequence of
/// characters (empty included, '.' and '/' included), '?' exactly one character, and every other
/// character itself (case-sensitive). There are no character classes and no escapes.
/// Cost O(|pattern| * |text|) in the worst case, linear in typical patterns.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace dcopt

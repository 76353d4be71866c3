#include "dcopt/optim/weight_decay_mask.hpp"

#include "dcopt/core/error.hpp"
#include "dcopt/core/glob_match.hpp"

namespace dcopt {

std::vector<std::string> default_no_decay(std::string_view rule_name) {
  if (rule_name == "sgd" || rule_name == "adam") return {};
  if (rule_name == "adamw" || rule_name == "lamb") return {"*.bias", "*norm*", "*bn*"};
  throw InvalidArgument("no weight-decay default for unknown update rule '" +
                        std::string(rule_name) + "'; valid: sgd, adam, adamw, lamb");
}

std::vector<std::string> parse_no_decay(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  std::vector<std::string> patterns;
  if (trim(text).empty()) return patterns;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = text.find(',', begin);
    const std::string_view piece =
        trim(text.substr(begin, comma == std::string_view::npos ? text.npos : comma - begin));
    if (piece.empty()) {
      throw InvalidArgument("empty pattern in the list \"" + std::string(text) +
                            "\"; valid: globs separated by ',', e.g. \"*.bias, *norm*\"");
    }
    patterns.emplace_back(piece);
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return patterns;
}

std::vector<bool> weight_decay_mask(const ParamLayout& layout,
                                    const std::vector<std::string>& no_decay) {
  std::vector<bool> decays(layout.num_tensors(), true);
  for (std::size_t i = 0; i < layout.num_tensors(); ++i) {
    for (const std::string& p : no_decay) {
      if (glob_match(p, layout[i].name)) {
        decays[i] = false;
        break;
      }
    }
  }
  return decays;
}

}  // namespace dcopt

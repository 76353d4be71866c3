#pragma once
// Which tensors of a layout get weight decay. Biases and normalization parameters are commonly
// exempt (BERT's and LAMB's reference setups): decaying a LayerNorm gain towards 0 fights the
// normalization instead of regularizing the model. Exclusion is by glob over tensor names
// (core/glob_match.hpp: '*' any run of characters, '?' one character).
//
// Defaults (default_no_decay):
//   sgd, adam:    none (torch.optim applies weight_decay to every parameter)
//   adamw, lamb:  "*.bias", "*norm*", "*bn*" (biases, LayerNorm/BatchNorm parameters named in
//                 torch's usual way, e.g. "encoder.layer.0.output.LayerNorm.weight" does NOT match
//                 "*norm*" because glob matching is case-sensitive: add "*Norm*" for such names)
#include <string>
#include <string_view>
#include <vector>

#include "dcopt/core/param_layout.hpp"

namespace dcopt {

/// The exclusion globs a rule uses when `no_decay` is not given (see above); InvalidArgument for
/// an unknown rule name.
std::vector<std::string> default_no_decay(std::string_view rule_name);

/// Splits "a, b,c" at ',' and trims spaces around each pattern. "" (or only spaces) is the
/// empty list; an empty pattern between commas is InvalidArgument.
std::vector<std::string> parse_no_decay(std::string_view text);

/// decays[i] = true iff tensor i's name matches none of `no_decay` (one entry per tensor of
/// `layout`, in its order).
std::vector<bool> weight_decay_mask(const ParamLayout& layout,
                                    const std::vector<std::string>& no_decay);

}  // namespace dcopt

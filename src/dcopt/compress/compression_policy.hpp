#pragma once
// CompressionPolicy: which codec compresses which tensor of a ParamLayout. Ordered rules map
// tensors to codec specs; the first rule whose conditions all hold wins; tensors no rule matches
// get the default codec. Applying a policy to a layout gives a LayeredCompressor whose
// assignment() says which tensor got which codec, and why.
//
// Text form (one string, e.g. a config value; whitespace around tokens is ignored):
//
//   policy    := rule ( ';' rule )*
//   rule      := condition ( '&' condition )* '->' CODEC_SPEC
//              | 'default' '->' CODEC_SPEC                    (at most once, and last)
//   condition := '*'                                          every tensor
//              | 'name=' GLOB                                 the whole name matches GLOB
//              | 'numel' OP N                                 number of entries
//              | 'rank' OP N                                  number of dimensions
//   OP        := '>' | '>=' | '<' | '<=' | '='
//   N         := decimal integer | '2^' K  (K <= 63)
//
// GLOB: '*' any run of characters (dots included), '?' one character (core/glob_match.hpp);
// globs were chosen over std::regex because tensor names are dotted paths. A glob cannot contain
// ';', '&' or whitespace. CODEC_SPEC is a registry spec ("int8:block=4096"); it cannot contain
// ';' (no codec spec does). Without a default rule the default is "identity" (dense fp32).
//
// Examples:
//   "numel>2^16 -> int8"                           the MASHA paper's "mixed 8-bit": tensors above
//                                                  2^16 entries 8-bit, the rest (the default)
//                                                  dense
//   "rank<=1 -> identity; numel>2^16 -> int8; default -> bf16"
//                                                  biases and LayerNorm dense, large tensors
//                                                  8-bit, everything else bf16
//   "name=*.embeddings.* -> topk:ratio=0.01; rank>=2 -> int8; default -> bf16"
//
// Errors (InvalidArgument) name the rule by number and text and say what would be valid; a codec
// that cannot compress a tensor it is assigned to (topk:k=100 on 50 entries) is reported by
// apply() naming the rule and the tensor.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dcopt/compress/compressor.hpp"
#include "dcopt/compress/layered_compressor.hpp"
#include "dcopt/core/param_layout.hpp"

namespace dcopt {

/// One test on a tensor.
struct TensorCondition {
  enum class Field { any, name, numel, rank };
  enum class Cmp { lt, le, eq, ge, gt };
  Field field = Field::any;
  Cmp cmp = Cmp::eq;
  /// The bound for numel/rank.
  std::uint64_t value = 0;
  /// The glob for name.
  std::string pattern;

  bool matches(const ParamTensor& t) const;
  /// Canonical text, e.g. "numel>65536", "name=*.bias", "*".
  std::string text() const;
};

/// conditions (all must hold) -> codec.
struct PolicyRule {
  std::vector<TensorCondition> conditions;
  /// A registry spec; canonicalized by CompressionPolicy (make_compressor(codec)->spec()).
  std::string codec;

  /// Canonical text, e.g. "rank<=1 -> identity:precision=32".
  std::string text() const;
};

class CompressionPolicy {
 public:
  /// No rules: every tensor gets the identity (dense fp32).
  CompressionPolicy();
  /// `rules` in order, then `default_codec`. Builds every codec now: an invalid spec or an empty
  /// condition list is an InvalidArgument naming the rule.
  explicit CompressionPolicy(std::vector<PolicyRule> rules,
                             std::string_view default_codec = "identity");
  /// Parses the text form above.
  static CompressionPolicy parse(std::string_view text);

  const std::vector<PolicyRule>& rules() const { return rules_; }
  /// Canonical spec of the default codec.
  const std::string& default_codec() const { return default_; }
  /// Canonical text: parse(text()) is this policy, and text() of that is the same string.
  std::string text() const;

  /// Index of the first rule that matches `t`, or rules().size() if only the default does.
  std::size_t match(const ParamTensor& t) const;
  /// The codec rule i (rules().size(): the default) builds. Shared by every tensor it matches
  /// (codecs are stateless).
  const CompressorPtr& codec(std::size_t rule) const { return codecs_.at(rule); }

  /// The layered codec of this policy over `layout` (which must cover its buffer without gaps).
  /// Its spec() is "layered{" + text() + "}", and each tensor's TensorCodec::origin names the
  /// rule that chose its codec ("rule 2: numel>65536") or "default".
  std::shared_ptr<const LayeredCompressor> apply(const ParamLayout& layout) const;

 private:
  std::vector<PolicyRule> rules_;
  std::string default_;
  /// codecs_[i] for rule i; codecs_.back() is the default's.
  std::vector<CompressorPtr> codecs_;
};

}  // namespace dcopt

#include "dcopt/train/models/transformer_config.hpp"

#include <algorithm>

#include "dcopt/core/error.hpp"

namespace dcopt::train {
namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw InvalidArgument("transformer config: " + what);
}

std::string num(std::int64_t v) { return std::to_string(v); }

}  // namespace

std::int64_t TransformerConfig::parameter_count() const {
  const std::int64_t V = vocab, E = embedding, H = hidden, F = ffn, P = max_positions,
                     T = type_vocab, K = labels;
  std::int64_t n = (V + P + T) * E + 2 * E;  // word, position, segment embeddings; LayerNorm
  if (factorized()) n += E * H + H;          // projection E -> H
  // query, key, value, attention output; two LayerNorms; the two FFN layers.
  const std::int64_t layer = 4 * (H * H + H) + 2 * (2 * H) + (H * F + F) + (F * H + H);
  n += (share_layers ? 1 : layers) * layer;
  if (pre_ln) n += 2 * H;                      // the LayerNorm after the last layer
  if (K > 0) n += (H * H + H) + (H * K + K);   // pooler, classifier
  if (mlm_head) n += (H * E + E) + 2 * E + V;  // transform H -> E, LayerNorm, decoder bias
  return n;
}

std::string TransformerConfig::describe() const {
  std::string s = name;
  s += "(H=" + num(hidden);
  s += ",E=" + num(embedding);
  s += ",L=" + num(layers);
  s += ",heads=" + num(heads);
  s += ",ffn=" + num(ffn);
  s += ",P=" + num(max_positions);
  s += ",V=" + num(vocab);
  s += pre_ln ? ",pre-LN" : ",post-LN";
  if (share_layers) s += ",shared";
  s += ",labels=" + num(labels);
  if (mlm_head) s += ",mlm";
  s += ")";
  return s;
}

const std::vector<std::string>& text_model_names() {
  static const std::vector<std::string> names = {"bert", "albert"};
  return names;
}

TransformerConfig default_transformer_config(const std::string& name, int vocab, int labels) {
  TransformerConfig c;
  c.name = name;
  c.vocab = vocab;
  c.labels = labels;
  c.mlm_head = labels == 0;
  if (name == "albert") {
    c.embedding = c.hidden / 2;
    c.layers = 4;
    c.share_layers = true;
  } else if (name != "bert") {
    throw InvalidArgument("transformer config: unknown model '" + name + "'; valid: bert, albert");
  }
  return c;
}

TransformerConfig read_transformer_config(const Settings& s, int vocab, int labels) {
  TransformerConfig c =
      default_transformer_config(s.choice("name", "", text_model_names()), vocab, labels);
  constexpr std::int64_t big = 1 << 24;
  auto size = [&](const char* key, int fallback) {
    return static_cast<int>(s.integer(key, fallback, 1, big));
  };
  c.hidden = size("hidden", c.hidden);
  c.embedding = size("embedding", c.name == "albert" ? std::max(1, c.hidden / 2) : c.hidden);
  c.layers = size("layers", c.layers);
  c.heads = size("heads", c.heads);
  c.ffn = size("ffn", c.ffn);
  c.max_positions = size("max_positions", c.max_positions);
  c.type_vocab = size("type_vocab", c.type_vocab);
  c.hidden_dropout = s.number("hidden_dropout", c.hidden_dropout, 0.0, 1.0);
  c.attention_dropout = s.number("attention_dropout", c.attention_dropout, 0.0, 1.0);
  c.pre_ln = s.boolean("pre_ln", c.pre_ln);
  c.share_layers = s.boolean("share_layers", c.share_layers);
  c.layer_norm_eps = s.number("layer_norm_eps", c.layer_norm_eps, 0.0, 1.0);
  c.mlm_head = s.boolean("mlm_head", c.mlm_head);
  s.reject_unused();
  validate(c);
  return c;
}

void validate(const TransformerConfig& c) {
  require(c.vocab >= 1, "the vocabulary is empty (vocab = " + num(c.vocab) + ")");
  require(c.hidden >= 1 && c.embedding >= 1 && c.layers >= 1 && c.heads >= 1 && c.ffn >= 1 &&
              c.max_positions >= 1 && c.type_vocab >= 1,
          "hidden, embedding, layers, heads, ffn, max_positions and type_vocab must be >= 1");
  require(c.hidden % c.heads == 0,
          "hidden = " + num(c.hidden) + " is not divisible by heads = " + num(c.heads));
  require(c.embedding <= c.hidden, "embedding = " + num(c.embedding) + " exceeds hidden = " +
                                       num(c.hidden) + " (factorized embeddings need E <= H)");
  require(c.hidden_dropout >= 0.0 && c.hidden_dropout < 1.0,
          "hidden_dropout must be in [0, 1), got " + std::to_string(c.hidden_dropout));
  require(c.attention_dropout >= 0.0 && c.attention_dropout < 1.0,
          "attention_dropout must be in [0, 1), got " + std::to_string(c.attention_dropout));
  require(c.layer_norm_eps > 0.0, "layer_norm_eps must be > 0");
  require(c.labels >= 0, "labels must be >= 0 (0: no head, 1: regression, k >= 2: classes)");
  require(c.labels > 0 || c.mlm_head,
          "labels = 0 and mlm_head = false: the model has no output head");
}

}  // namespace dcopt::train

#pragma once
// The shape of a BERT-style text encoder (models/transformer_encoder.hpp), read from the
// [model] table of `dcopt pretrain` / `dcopt finetune`. Torch-free: the configuration is also
// what a checkpoint records to refuse weights of another architecture.
//
// Keys of the [model] table (defaults for name = "bert" / name = "albert"):
//   hidden             H, the width of every encoder layer                     128 / 128
//   embedding          E, the width of the embeddings; E < H factorizes the     H / H/2
//                      vocabulary matrix (ALBERT: V x E then a projection E -> H)
//   layers             encoder layers                                           2 / 4
//   heads              attention heads (H % heads == 0)                         2 / 2
//   ffn                width of the feed-forward block (GELU)                   512 / 512
//   max_positions      longest sequence (learned position embeddings)           128 / 128
//   type_vocab         segment ids (sentence A / B)                             2 / 2
//   hidden_dropout     dropout on embeddings, residual branches, the pooler     0.1 / 0.1
//   attention_dropout  dropout on the attention probabilities                   0.1 / 0.1
//   pre_ln             LayerNorm before each sub-block (and once after the      false / false
//                      last layer) instead of after the residual sum (BERT)
//   share_layers       one layer's weights applied `layers` times (ALBERT)      false / true
//   layer_norm_eps                                                              1e-12 / 1e-12
//   mlm_head           build the masked-language-model head                     labels == 0
// The vocabulary size comes from the tokenizer and the number of labels from the task, not
// from the table.
#include <cstdint>
#include <string>
#include <vector>

#include "dcopt/core/settings.hpp"

namespace dcopt::train {

struct TransformerConfig {
  std::string name = "bert";  ///< "bert" or "albert": which defaults were applied
  int vocab = 0;              ///< token ids are in [0, vocab)
  int hidden = 128;           ///< H
  int embedding = 128;        ///< E <= H; E < H adds the projection E -> H
  int layers = 2;
  int heads = 2;
  int ffn = 512;
  int max_positions = 128;
  int type_vocab = 2;
  double hidden_dropout = 0.1;
  double attention_dropout = 0.1;
  bool pre_ln = false;        ///< false: BERT's post-LN
  bool share_layers = false;  ///< ALBERT: one set of layer weights
  double layer_norm_eps = 1e-12;
  /// 0: no classification head; k >= 2: k-way classification (logits); 1: regression (one
  /// float per row).
  int labels = 0;
  bool mlm_head = true;  ///< the MLM head (dense, GELU, LayerNorm, tied decoder)

  int head_size() const { return hidden / heads; }
  bool factorized() const { return embedding < hidden; }
  /// Parameters the encoder registers, counted from the shapes (every tensor once; a shared
  /// layer once).
  std::int64_t parameter_count() const;
  /// E.g. "albert(H=128,E=64,L=4,heads=2,ffn=512,P=128,V=8000,post-LN,shared,labels=2)".
  std::string describe() const;
};

/// The valid model names, in catalog order: "bert", "albert".
const std::vector<std::string>& text_model_names();

/// The defaults of `name` (one of text_model_names()) for a vocabulary and a label count.
TransformerConfig default_transformer_config(const std::string& name, int vocab, int labels);

/// Reads `name` and the keys above from `s`, then rejects any other key (InvalidArgument naming
/// it and the valid keys). A caller with keys of its own in the table marks them used first.
TransformerConfig read_transformer_config(const Settings& s, int vocab, int labels);

/// InvalidArgument naming the first inconsistency (H % heads, E > H, a size < 1, a dropout
/// outside [0, 1), ...).
void validate(const TransformerConfig& c);

}  // namespace dcopt::train

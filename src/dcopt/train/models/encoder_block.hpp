#pragma once
// One transformer encoder layer, batch-first: x (N, S, H) -> (N, S, H).
//   attention: multi-head self-attention (query, key, value, output projections H -> H), the
//              scores scaled by 1/sqrt(H / heads), padded keys excluded (their probability is 0
//              exactly), dropout on the probabilities;
//   ffn:       Linear H -> F, GELU (erf form, as BERT), Linear F -> H;
//   post-LN (BERT):  x = LN1(x + drop(attn(x)));    x = LN2(x + drop(ffn(x)))
//   pre-LN:          x = x + drop(attn(LN1(x)));    x = x + drop(ffn(LN2(x)))
// (LibTorch 1.13's TransformerEncoderLayer is post-LN with (S, N, E) layout only.)
// Tensors: query, key, value, attention_output, attention_norm, ffn_in, ffn_out, ffn_norm
// (.weight, .bias each).
#include "dcopt/train/models/transformer_config.hpp"
#include "dcopt/train/seeded_dropout.hpp"

namespace dcopt::train {

class EncoderBlock : public torch::nn::Module {
 public:
  explicit EncoderBlock(const TransformerConfig& c);
  /// `pad` (N, S) bool: true where the key is padding. Dropout masks come from `dropout`.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& pad,
                        DropoutGenerator& dropout);

 private:
  torch::Tensor attention(const torch::Tensor& x, const torch::Tensor& pad,
                          DropoutGenerator& dropout);
  int heads_;
  bool pre_ln_;
  double hidden_dropout_, attention_dropout_;
  torch::nn::Linear query_{nullptr}, key_{nullptr}, value_{nullptr}, attention_output_{nullptr};
  torch::nn::LayerNorm attention_norm_{nullptr};
  torch::nn::Linear ffn_in_{nullptr}, ffn_out_{nullptr};
  torch::nn::LayerNorm ffn_norm_{nullptr};
};

}  // namespace dcopt::train

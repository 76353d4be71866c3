#include "dcopt/train/models/encoder_block.hpp"

#include <cmath>
#include <limits>

namespace dcopt::train {

EncoderBlock::EncoderBlock(const TransformerConfig& c)
    : heads_(c.heads),
      pre_ln_(c.pre_ln),
      hidden_dropout_(c.hidden_dropout),
      attention_dropout_(c.attention_dropout) {
  const std::int64_t H = c.hidden, F = c.ffn;
  const auto norm = [&] {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({H}).eps(c.layer_norm_eps));
  };
  query_ = register_module("query", torch::nn::Linear(H, H));
  key_ = register_module("key", torch::nn::Linear(H, H));
  value_ = register_module("value", torch::nn::Linear(H, H));
  attention_output_ = register_module("attention_output", torch::nn::Linear(H, H));
  attention_norm_ = register_module("attention_norm", norm());
  ffn_in_ = register_module("ffn_in", torch::nn::Linear(H, F));
  ffn_out_ = register_module("ffn_out", torch::nn::Linear(F, H));
  ffn_norm_ = register_module("ffn_norm", norm());
}

torch::Tensor EncoderBlock::attention(const torch::Tensor& x, const torch::Tensor& pad,
                                      DropoutGenerator& dropout) {
  const std::int64_t N = x.size(0), S = x.size(1), H = x.size(2), d = H / heads_;
  // (N, S, H) -> (N, heads, S, d)
  const auto split = [&](const torch::Tensor& t) {
    return t.view({N, S, heads_, d}).transpose(1, 2);
  };
  const torch::Tensor q = split(query_->forward(x));
  const torch::Tensor k = split(key_->forward(x));
  const torch::Tensor v = split(value_->forward(x));
  torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(d));
  // Replaced, not added to: exp(lowest - max) is 0 exactly, and a row of only padded keys
  // (which no real query has: position 0 is [CLS]) stays finite instead of 0/0.
  scores = scores.masked_fill(pad.view({N, 1, 1, S}), std::numeric_limits<float>::lowest());
  torch::Tensor probs =
      dropout.apply(torch::softmax(scores, -1), attention_dropout_, is_training());
  torch::Tensor context = torch::matmul(probs, v).transpose(1, 2).reshape({N, S, H});
  return attention_output_->forward(context);
}

torch::Tensor EncoderBlock::forward(const torch::Tensor& x, const torch::Tensor& pad,
                                    DropoutGenerator& dropout) {
  const bool train = is_training();
  const auto ffn = [&](const torch::Tensor& t) {
    return ffn_out_->forward(torch::gelu(ffn_in_->forward(t)));
  };
  if (pre_ln_) {
    torch::Tensor h = x + dropout.apply(attention(attention_norm_->forward(x), pad, dropout),
                                        hidden_dropout_, train);
    return h + dropout.apply(ffn(ffn_norm_->forward(h)), hidden_dropout_, train);
  }
  torch::Tensor h = attention_norm_->forward(
      x + dropout.apply(attention(x, pad, dropout), hidden_dropout_, train));
  return ffn_norm_->forward(h + dropout.apply(ffn(h), hidden_dropout_, train));
}

}  // namespace dcopt::train

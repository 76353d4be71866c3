#pragma once
// A BERT-style transformer encoder (issue 9, "Model"; ALBERT's cross-layer sharing and
// factorized embeddings for issue 10), batch-first, with its own encoder block
// (encoder_block.hpp). TextNetwork (text_network.hpp) gives the shapes.
//
//   embeddings: word (V x E) + position (P x E) + segment (T x E), LayerNorm(E), dropout, then
//               Linear E -> H if E < H;
//   encoder:    `layers` EncoderBlocks (post-LN, or pre-LN with a LayerNorm after the last);
//               with share_layers ONE block is registered and applied `layers` times, so the
//               parameter list, the flat buffer and the gradient hold it once;
//   classify:   [CLS] row -> Linear H -> H, tanh (the pooler) -> dropout -> Linear H -> labels;
//   mlm_logits: Linear H -> E, GELU, LayerNorm(E), then the word-embedding matrix transposed
//               (tied: the same tensor as the input embeddings) plus a bias of V.
//
// Tensors, in registration (and flat-buffer) order:
//   word_embeddings, position_embeddings, segment_embeddings (.weight), embedding_norm,
//   embedding_projection (E < H only), layers.<i>.* or shared_layer.* (EncoderBlock's tensors),
//   final_norm (pre-LN only), pooler, classifier (labels > 0), mlm_transform, mlm_norm,
//   mlm_bias (mlm_head). TransformerConfig::parameter_count() counts them.
#include <memory>
#include <vector>

#include "dcopt/train/models/encoder_block.hpp"
#include "dcopt/train/models/transformer_config.hpp"
#include "dcopt/train/seeded_dropout.hpp"
#include "dcopt/train/text_network.hpp"

namespace dcopt::train {

class TransformerEncoder final : public TextNetwork {
 public:
  /// validate(c) first (InvalidArgument). The dropout stream starts at seed 0.
  explicit TransformerEncoder(const TransformerConfig& c);

  torch::Tensor token_embeddings(const torch::Tensor& ids) override;
  torch::Tensor encode(const torch::Tensor& token_embeds, const torch::Tensor& segments,
                       const torch::Tensor& attention_mask) override;
  torch::Tensor classify(const torch::Tensor& sequence_output) override;
  torch::Tensor mlm_logits(const torch::Tensor& hidden) override;
  void set_dropout_seed(std::uint64_t seed) override { dropout_.set_seed(seed); }

  int vocab_size() const override { return c_.vocab; }
  int num_labels() const override { return c_.labels; }
  int max_positions() const override { return c_.max_positions; }
  std::string describe() const override { return c_.describe(); }
  const TransformerConfig& config() const { return c_; }
  /// The word-embedding matrix (V, E), shared by token_embeddings and the MLM decoder.
  const torch::Tensor& word_embedding_matrix() const { return word_->weight; }

 private:
  TransformerConfig c_;
  DropoutGenerator dropout_;
  torch::nn::Embedding word_{nullptr}, position_{nullptr}, segment_{nullptr};
  torch::nn::LayerNorm embedding_norm_{nullptr};
  torch::nn::Linear projection_{nullptr};
  /// `layers` entries; with share_layers all point at the same block.
  std::vector<std::shared_ptr<EncoderBlock>> layers_;
  torch::nn::LayerNorm final_norm_{nullptr};
  torch::nn::Linear pooler_{nullptr}, classifier_{nullptr};
  torch::nn::Linear mlm_transform_{nullptr};
  torch::nn::LayerNorm mlm_norm_{nullptr};
  torch::Tensor mlm_bias_;
};

}  // namespace dcopt::train
